"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

export function NetworkTabs({ networkId }: { networkId: string }) {
  const pathname = usePathname();
  const base = `/networks/${networkId}`;
  const tabs = [
    { href: base, label: "Overview" },
    { href: `${base}/nodes`, label: "Nodes" },
    { href: `${base}/links`, label: "Join links" },
    { href: `${base}/groups`, label: "Groups" },
    { href: `${base}/firewall`, label: "Firewall" },
    { href: `${base}/policy`, label: "Policy" },
    { href: `${base}/certificates`, label: "Certificates" },
    { href: `${base}/members`, label: "Members" },
    { href: `${base}/webhooks`, label: "Webhooks" },
    { href: `${base}/audit`, label: "Audit" },
    { href: `${base}/settings`, label: "Settings" },
  ];
  return (
    <nav className="flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800" aria-label="Network sections">
      {tabs.map((t) => {
        // A node's own page sits under the Nodes tab.
        const active = t.href === base ? pathname === base : pathname === t.href || pathname.startsWith(`${t.href}/`);
        return (
          <Link
            key={t.href}
            href={t.href}
            aria-current={active ? "page" : undefined}
            className={`-mb-px whitespace-nowrap border-b-2 px-4 py-2 text-sm font-medium ${
              active ? "border-indigo-500 text-indigo-700 dark:text-indigo-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
            }`}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}
