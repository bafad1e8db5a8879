"use client";
import { usePathname, useRouter } from "next/navigation";
import { useRef, useState, useTransition } from "react";
import type { CertificatePage } from "@/lib/pki/certificate-query";
import { apiCall } from "../../../../_components/api-client";
import { ExpiryText, Pill } from "../../../../_components/badges";
import { TableView } from "../../../../_components/data-table";
import { inputClass, secondaryButtonClass, Spinner } from "../../../../_components/form-controls";
import { useApiAction } from "../../../../_components/use-api-action";

interface Filters {
  q: string;
  status: string;
}

interface Props {
  networkId: string;
  /** One page, searched and filtered by the server from the URL. */
  page: CertificatePage;
  query: Filters;
  canEdit: boolean;
}

/** How long the search waits for a pause in typing before it asks the server. */
const SEARCH_DELAY_MS = 300;

export function IssuedCertificates({ networkId, page, query, canEdit }: Props) {
  const router = useRouter();
  const pathname = usePathname();
  const [loading, startTransition] = useTransition();
  const [text, setText] = useState(query.q);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const action = useApiAction();
  const filtered = Boolean(query.q || query.status);

  /** New filters go into the URL (so a view can be shared and reloaded); the server answers with the page. */
  function go(next: Partial<Filters>, pageNumber = 1) {
    const f = { ...query, ...next };
    const params = new URLSearchParams();
    if (f.q) params.set("q", f.q);
    if (f.status) params.set("status", f.status);
    if (pageNumber > 1) params.set("page", String(pageNumber));
    const search = params.toString();
    startTransition(() => router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false }));
  }

  // useApiAction refreshes the route after a success, so the page (and the blocklist) reload from the server.
  const revoke = async (id: string, name: string) => {
    const reason = window.prompt(`Revoke ${name}'s certificate? Every node will refuse it on its next config update. Reason:`, "compromised");
    if (!reason) return;
    await action.run(() => apiCall("POST", `/api/v1/networks/${networkId}/certificates/${id}/revoke`, { reason }), { success: "Certificate revoked and blocklisted", toastErrors: true });
  };

  const first = page.total === 0 ? 0 : (page.page - 1) * page.pageSize + 1;
  const last = Math.min(page.total, page.page * page.pageSize);
  return (
    <section className="space-y-3" aria-labelledby="issued-certificates">
      <h2 id="issued-certificates" className="text-lg font-medium">
        Issued certificates
      </h2>
      {!filtered && page.total === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">No certificates issued yet.</div>
      ) : (
        <>
          <form
            role="search"
            className="flex flex-wrap items-center gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              clearTimeout(timer.current);
              go({ q: text.trim() });
            }}
          >
            <input
              type="search"
              aria-label="Search certificates"
              placeholder="Search node, group, IP, fingerprint…"
              value={text}
              onChange={(e) => {
                const value = e.target.value;
                setText(value);
                clearTimeout(timer.current);
                timer.current = setTimeout(() => go({ q: value.trim() }), SEARCH_DELAY_MS);
              }}
              className={`${inputClass} w-full sm:w-72`}
            />
            <select aria-label="Filter by status" value={query.status} onChange={(e) => go({ status: e.target.value })} className={`${inputClass} w-44`}>
              <option value="">All statuses</option>
              <option value="valid">Valid</option>
              <option value="renewal-due">Renewal due</option>
              <option value="expired">Expired</option>
              <option value="revoked">Revoked</option>
            </select>
            <span className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
              {loading && <Spinner />}
              {page.total.toLocaleString("en")} {page.total === 1 ? "certificate" : "certificates"}
            </span>
          </form>
          <div className={loading ? "opacity-60 transition-opacity" : undefined}>
            <TableView
              label="certificates"
              rows={page.certificates}
              rowKey={(c) => c.id}
              nothing="No certificate matches these filters."
              columns={[
                { header: "Node", cell: (c) => <span className="font-medium">{c.nodeName}</span> },
                { header: "IP", cell: (c) => <code className="font-mono text-xs">{c.ip}</code> },
                { header: "Groups", cell: (c) => c.groups.join(", ") || "—" },
                { header: "Fingerprint", cell: (c) => <code className="font-mono text-xs" title={c.fingerprint}>{c.fingerprint.slice(0, 16)}…</code> },
                {
                  header: "Status",
                  cell: (c) =>
                    c.revokedAt ? <Pill tone="red">revoked: {c.revokeReason}</Pill> : c.expired ? <Pill tone="slate">expired</Pill> : <ExpiryText iso={c.notAfter} renewalDue={c.renewalDue} />,
                },
                {
                  header: "",
                  className: "text-right",
                  cell: (c) =>
                    canEdit && !c.revokedAt && !c.expired ? (
                      <button type="button" className={secondaryButtonClass} aria-label={`Revoke ${c.nodeName}'s certificate`} disabled={action.busy} onClick={() => revoke(c.id, c.nodeName)}>
                        Revoke
                      </button>
                    ) : null,
                },
              ]}
            />
          </div>
          {page.pages > 1 && (
            <nav className="flex items-center justify-between text-sm text-slate-600 dark:text-slate-400" aria-label="Pagination">
              <span>
                {first.toLocaleString("en")}–{last.toLocaleString("en")} of {page.total.toLocaleString("en")} · page {page.page} of {page.pages}
              </span>
              <span className="flex gap-2">
                <button type="button" className={secondaryButtonClass} disabled={page.page <= 1 || loading} onClick={() => go({}, page.page - 1)}>
                  Previous
                </button>
                <button type="button" className={secondaryButtonClass} disabled={page.page >= page.pages || loading} onClick={() => go({}, page.page + 1)}>
                  Next
                </button>
              </span>
            </nav>
          )}
        </>
      )}
    </section>
  );
}
