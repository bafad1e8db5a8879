/** Small status pills used across node and certificate tables. */
const tones = {
  green: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200",
  amber: "bg-amber-100 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100",
  red: "bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-200",
  slate: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
  violet: "bg-violet-100 text-violet-800 dark:bg-violet-900/50 dark:text-violet-200",
  sky: "bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-200",
} as const;

export function Pill({ tone, children }: { tone: keyof typeof tones; children: React.ReactNode }) {
  return <span className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}

export function NodeStatusPill({ status }: { status: "pending" | "active" | "blocked" }) {
  return <Pill tone={status === "active" ? "green" : status === "pending" ? "amber" : "red"}>{status}</Pill>;
}

export function RolePills({ isLighthouse, isRelay }: { isLighthouse: boolean; isRelay: boolean }) {
  return (
    <span className="flex gap-1">
      {isLighthouse && <Pill tone="violet">lighthouse</Pill>}
      {isRelay && <Pill tone="sky">relay</Pill>}
    </span>
  );
}

function daysUntil(iso: string): number {
  return Math.round((new Date(iso).getTime() - Date.now()) / 86_400_000);
}

/** Days until a date, in words, coloured by urgency. */
export function ExpiryText({ iso, renewalDue }: { iso: string | null | undefined; renewalDue?: boolean }) {
  if (!iso) return <span className="text-slate-500 dark:text-slate-400">—</span>;
  const days = daysUntil(iso);
  const tone = days < 0 ? "text-red-600 dark:text-red-400" : renewalDue ? "text-amber-700 dark:text-amber-300" : "text-slate-700 dark:text-slate-300";
  return (
    <span className={tone} title={new Date(iso).toLocaleString()}>
      {days < 0 ? `expired ${-days} d ago` : `${days} d left`}
      {renewalDue && days >= 0 ? " · renewal due" : ""}
    </span>
  );
}

const hostTone = { applied: "green", fetched: "amber", behind: "amber", down: "red", offline: "red", never: "slate", pending: "amber", blocked: "red" } as const;

/** What the host confirmed on its last poll (lib/nodes/host-status.ts), with the detail on hover. */
export function HostStatePill({ host }: { host: { state: keyof typeof hostTone; label: string; detail: string } }) {
  return (
    <span title={host.detail} data-host-state={host.state}>
      <Pill tone={hostTone[host.state]}>{host.label}</Pill>
    </span>
  );
}
