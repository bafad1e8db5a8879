"use client";
import type { CertificatePage } from "@/lib/pki/certificate-query";
import { apiCall } from "../../../../_components/api-client";
import { ExpiryText, Pill } from "../../../../_components/badges";
import { TableView } from "../../../../_components/data-table";
import { inputClass, secondaryButtonClass } from "../../../../_components/form-controls";
import { Pager, ResultCount, useUrlFilters } from "../../../../_components/url-paging";
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

export function IssuedCertificates({ networkId, page, query, canEdit }: Props) {
  const { loading, go, searchInput, submitSearch } = useUrlFilters(query);
  const action = useApiAction();
  const filtered = Boolean(query.q || query.status);

  // useApiAction refreshes the route after a success, so the page (and the blocklist) reload from the server.
  const revoke = async (id: string, name: string) => {
    const reason = window.prompt(`Revoke ${name}'s certificate? Every node will refuse it on its next config update. Reason:`, "compromised");
    if (!reason) return;
    await action.run(() => apiCall("POST", `/api/v1/networks/${networkId}/certificates/${id}/revoke`, { reason }), { success: "Certificate revoked and blocklisted", toastErrors: true });
  };

  return (
    <section className="space-y-3" aria-labelledby="issued-certificates">
      <h2 id="issued-certificates" className="text-lg font-medium">
        Issued certificates
      </h2>
      {!filtered && page.total === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">No certificates issued yet.</div>
      ) : (
        <>
          <form role="search" className="flex flex-wrap items-center gap-3" onSubmit={submitSearch}>
            <input type="search" aria-label="Search certificates" placeholder="Search node, group, IP, fingerprint…" {...searchInput} className={`${inputClass} w-full sm:w-72`} />
            <select aria-label="Filter by status" value={query.status} onChange={(e) => go({ status: e.target.value })} className={`${inputClass} w-44`}>
              <option value="">All statuses</option>
              <option value="valid">Valid</option>
              <option value="renewal-due">Renewal due</option>
              <option value="expired">Expired</option>
              <option value="revoked">Revoked</option>
              <option value="expiring">Expiring within 30 days</option>
            </select>
            <ResultCount total={page.total} singular="certificate" plural="certificates" loading={loading} />
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
          <Pager page={page} loading={loading} onPage={(n) => go({}, n)} />
        </>
      )}
    </section>
  );
}
