/**
 * Expiry and health at a glance (lib/nodes/fleet-health.ts): compact badges, each a link to the
 * nodes or certificates list filtered to exactly what it counts. Server-rendered.
 */
import Link from "next/link";
import { CERT_EXPIRY_WARNING_DAYS, needsAttention, type FleetHealth } from "@/lib/nodes/fleet-health";
import { Pill } from "./badges";

interface HealthItem {
  key: string;
  count: number;
  text: string;
  href: string;
  tone: "red" | "amber";
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/** Within CA_EXPIRY_WARNING_DAYS: "CA expires 2027-03-01"; past it, "CA expired ...". */
function caText(h: FleetHealth): string {
  const date = h.caExpiresAt?.slice(0, 10) ?? "";
  const what = h.casExpiringSoon === 1 ? "CA" : `${h.casExpiringSoon} CAs`;
  const expired = h.caExpiresAt !== null && Date.parse(h.caExpiresAt) < Date.now();
  if (expired) return `${what} expired ${date}`;
  return h.casExpiringSoon === 1 ? `CA expires ${date}` : `${what} expire, the first ${date}`;
}

export function healthItems(networkId: string, h: FleetHealth): HealthItem[] {
  const base = `/networks/${networkId}`;
  const items: HealthItem[] = [
    { key: "offline", count: h.nodesOffline, text: `${plural(h.nodesOffline, "host", "hosts")} offline`, href: `${base}/nodes?kind=offline`, tone: "red" },
    { key: "down", count: h.nodesDown, text: `${plural(h.nodesDown, "host", "hosts")} with nebula down`, href: `${base}/nodes?kind=down`, tone: "red" },
    { key: "behind", count: h.nodesBehind, text: `${plural(h.nodesBehind, "host", "hosts")} behind`, href: `${base}/nodes?kind=behind`, tone: "amber" },
    { key: "expired", count: h.certsExpired, text: `${plural(h.certsExpired, "certificate", "certificates")} expired`, href: `${base}/certificates?status=expired`, tone: "red" },
    {
      key: "expiring",
      count: h.certsExpiringSoon,
      text: `${plural(h.certsExpiringSoon, "certificate expires", "certificates expire")} within ${CERT_EXPIRY_WARNING_DAYS} days`,
      href: `${base}/certificates?status=expiring`,
      tone: "amber",
    },
    {
      key: "ca",
      count: h.casExpiringSoon,
      text: caText(h),
      href: `${base}/certificates`,
      tone: h.caExpiresAt && Date.parse(h.caExpiresAt) - Date.now() < CERT_EXPIRY_WARNING_DAYS * 86_400_000 ? "red" : "amber",
    },
  ];
  return items.filter((i) => i.count > 0);
}

function HealthLinks({ items }: { items: HealthItem[] }) {
  return (
    <ul className="flex flex-wrap gap-2">
      {items.map((i) => (
        <li key={i.key}>
          <Link href={i.href} data-health={i.key} className="rounded-full focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 hover:opacity-80">
            <Pill tone={i.tone}>{i.text}</Pill>
          </Link>
        </li>
      ))}
    </ul>
  );
}

const allWell = <p className="text-sm text-emerald-700 dark:text-emerald-300">No host offline, down or behind; no certificate or CA expiring soon.</p>;

/** The network overview's card. */
export function NetworkHealthCard({ networkId, health }: { networkId: string; health: FleetHealth }) {
  const items = healthItems(networkId, health);
  return (
    <section aria-labelledby="health-heading" data-testid="health-card" className="rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900 lg:col-span-2">
      <h2 id="health-heading" className="mb-3 text-lg font-medium">
        Health
      </h2>
      {items.length ? <HealthLinks items={items} /> : allWell}
    </section>
  );
}

/** The dashboard's card: the networks that need attention, each with its badges. */
export function FleetHealthSummary({ networks, health }: { networks: Array<{ id: string; name: string }>; health: Map<string, FleetHealth> }) {
  const attention = networks.filter((n) => health.get(n.id) && needsAttention(health.get(n.id)!));
  return (
    <section aria-labelledby="fleet-health-heading" data-testid="health-card" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h2 id="fleet-health-heading" className="mb-2 text-base font-medium">
        Health at a glance
      </h2>
      {attention.length === 0 ? (
        allWell
      ) : (
        <ul className="space-y-2">
          {attention.map((n) => (
            <li key={n.id} className="flex flex-wrap items-center gap-3">
              {/* Text, not a link: the table below links each network, and one name should make one link. */}
              <span className="text-sm font-medium">{n.name}</span>
              <HealthLinks items={healthItems(n.id, health.get(n.id)!)} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
