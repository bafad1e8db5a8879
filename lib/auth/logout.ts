/** Signing out: the app's cookie goes, and in Keycloak mode the Keycloak session goes too. */
import { keycloakSettings, sessionCookieName, secureCookiesEnabled } from "./auth-config";
import { parseCookies, readSessionClaims } from "./session";

/** RP-initiated logout at Keycloak, with the id token as hint, coming back to our sign-in page. */
export async function logoutRedirectUrl(cookieHeader: string | null): Promise<string> {
  const kc = keycloakSettings();
  const claims = await readSessionClaims(cookieHeader);
  const appUrl = (process.env.NEXTAUTH_URL ?? "").replace(/\/$/, "");
  if (!kc || !claims?.idToken) return "/signin";
  const url = new URL(`${kc.issuer}/protocol/openid-connect/logout`);
  url.searchParams.set("id_token_hint", claims.idToken);
  url.searchParams.set("client_id", kc.clientId);
  url.searchParams.set("post_logout_redirect_uri", `${appUrl}/signin`);
  return url.toString();
}

/** Set-Cookie values that expire the session cookie and any chunks of it. */
export function expiredSessionCookies(cookieHeader: string | null): string[] {
  const base = sessionCookieName();
  const secure = secureCookiesEnabled() ? "; Secure" : "";
  return [...parseCookies(cookieHeader).keys()]
    .filter((name) => name === base || name.startsWith(`${base}.`))
    .map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`);
}
