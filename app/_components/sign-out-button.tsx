"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiCall } from "./api-client";
import { secondaryButtonClass } from "./form-controls";

/**
 * Signs out here and, in Keycloak mode, at Keycloak too (the server hands back its logout URL).
 * `everywhere` ends every session of the user, on every browser, not only this one.
 */
export function SignOutButton({ everywhere = false }: { everywhere?: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <button
      className={secondaryButtonClass}
      disabled={busy}
      title={everywhere ? "End your sessions on every browser and device" : undefined}
      onClick={async () => {
        setBusy(true);
        try {
          const { redirectUrl } = await apiCall<{ redirectUrl: string }>("POST", everywhere ? "/api/session/logout-all" : "/api/session/logout");
          // In Keycloak mode this is Keycloak's end-session endpoint, which sends the browser back to /signin.
          if (redirectUrl.startsWith("/")) router.replace(redirectUrl);
          else window.location.href = redirectUrl;
        } catch {
          router.replace("/signin");
        }
      }}
    >
      {busy ? "Signing out…" : everywhere ? "Sign out everywhere" : "Sign out"}
    </button>
  );
}
