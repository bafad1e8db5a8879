/**
 * The network pages' warning that a trusted CA ends within 90 days (red within 30): replacing a CA
 * takes every host applying a bundle, then a certificate from the new one, so it must start early.
 * Server-rendered from lib/pki/ca-rotation.ts expiringCas.
 */
import Link from "next/link";
import { CA_WARN_DAYS, expiringCas } from "@/lib/pki/ca-rotation";

export async function CaExpiryBanner({ networkId }: { networkId: string }) {
  const cas = await expiringCas([networkId]);
  const first = cas[0];
  if (!first) return null;
  const urgent = first.daysLeft <= CA_WARN_DAYS[1];
  const when = first.daysLeft < 0 ? `expired on ${first.notAfter.toISOString().slice(0, 10)}` : `expires on ${first.notAfter.toISOString().slice(0, 10)} (in ${first.daysLeft} day${first.daysLeft === 1 ? "" : "s"})`;
  const advice = first.state === "previous" ? "A rotation is under way: retire it once every host is on the new CA." : "Start a CA rotation well before then.";
  return (
    <div
      role="alert"
      data-testid="ca-expiry-banner"
      className={`rounded-lg border p-3 text-sm ${urgent ? "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200" : "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"}`}
    >
      The CA &ldquo;{first.name}&rdquo; {when}. {advice}{" "}
      <Link className="font-medium underline" href={`/networks/${networkId}/certificates`}>
        Certificates
      </Link>
    </div>
  );
}
