"use client";
import type { caView } from "@/lib/pki/certificate-queries";
import type { CertificatePage } from "@/lib/pki/certificate-query";
import { ExpiryText, Pill } from "../../../../_components/badges";
import { CopyButton } from "../../../../_components/copy-button";
import { secondaryButtonClass } from "../../../../_components/form-controls";
import { IssuedCertificates } from "./issued-certificates";

type Cas = Awaited<ReturnType<typeof caView>>;

const caStateLabel: Record<Cas[number]["state"], string> = {
  current: "current CA (signs)",
  next: "next CA (trusted, not signing yet)",
  previous: "old CA (trusted until retired)",
  retired: "retired",
};

const card = "rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900";

export function CertificatesPanel({ networkId, cas, page, query, blocklist, canEdit }: { networkId: string; cas: Cas; page: CertificatePage; query: { q: string; status: string }; blocklist: string[]; canEdit: boolean }) {
  return (
    <div className="space-y-6">
      {cas.map((ca) => (
        <section key={ca.id} className={card} aria-label="Certificate authority">
          <div className="mb-3 flex flex-wrap items-center gap-2">
            <h2 className="text-lg font-medium">{ca.name}</h2>
            <Pill tone={ca.state === "retired" ? "slate" : ca.state === "current" ? "green" : "amber"}>{caStateLabel[ca.state]}</Pill>
            <Pill tone="slate">certificate v{ca.version}</Pill>
          </div>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
            <dt className="text-slate-500 dark:text-slate-400">Fingerprint</dt>
            <dd className="flex items-center gap-2">
              <code className="break-all font-mono text-xs">{ca.fingerprint}</code>
              <CopyButton text={ca.fingerprint} className="px-2 py-1 text-xs" />
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Valid</dt>
            <dd>
              {new Date(ca.notBefore).toLocaleDateString()} – {new Date(ca.notAfter).toLocaleDateString()} (<ExpiryText iso={ca.notAfter} />)
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">ca.crt</dt>
            <dd className="flex gap-2">
              <CopyButton text={ca.pem} label="Copy PEM" className="px-2 py-1 text-xs" />
              <a className={`${secondaryButtonClass} px-2 py-1 text-xs`} href={`data:application/x-pem-file;charset=utf-8,${encodeURIComponent(ca.pem)}`} download="ca.crt">
                Download
              </a>
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Private key</dt>
            <dd className="text-slate-500 dark:text-slate-400">sealed with AES-256-GCM; never shown or exported</dd>
          </dl>
        </section>
      ))}
      <IssuedCertificates networkId={networkId} page={page} query={query} canEdit={canEdit} />
      <section className={card}>
        <h2 className="mb-2 text-lg font-medium">Blocklist</h2>
        <p className="mb-3 text-sm text-slate-500 dark:text-slate-400">Revoked certificates that have not expired yet. Every node&apos;s config carries this list (pki.blocklist).</p>
        {blocklist.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">Empty.</p>
        ) : (
          <ul className="space-y-1 font-mono text-xs">
            {blocklist.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
