"use client";
import Link from "next/link";
import { useState } from "react";
import type { NodePage } from "@/lib/nodes/node-query";
import { apiCall } from "../../../../_components/api-client";
import { TableView } from "../../../../_components/data-table";
import { CopyButton } from "../../../../_components/copy-button";
import { ExpiryText, HostStatePill, NodeStatusPill, Pill, RolePills } from "../../../../_components/badges";
import { buttonClass, ChipPicker, Field, FormError, inputClass, RoleToggles, Spinner, TextAreaField } from "../../../../_components/form-controls";
import { Pager, ResultCount, useUrlFilters } from "../../../../_components/url-paging";
import { useApiAction } from "../../../../_components/use-api-action";

interface Filters {
  q: string;
  group: string;
  kind: string;
}

interface Props {
  networkId: string;
  cidr: string;
  /** One page, searched and filtered by the server from the URL. */
  page: NodePage;
  query: Filters;
  groups: string[];
  canEdit: boolean;
}

export function NodesPanel({ networkId, cidr, page, query, groups, canEdit }: Props) {
  const { loading, go, searchInput, submitSearch } = useUrlFilters(query);
  const filtered = Boolean(query.q || query.group || query.kind);

  return (
    <div className="space-y-6">
      {canEdit && <AddNodeForm networkId={networkId} cidr={cidr} groups={groups} />}
      {!filtered && page.total === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">No nodes yet. Add a lighthouse first, then the hosts.</div>
      ) : (
        <div className="space-y-3">
          <form role="search" className="flex flex-wrap items-center gap-3" onSubmit={submitSearch}>
            <input type="search" aria-label="Search nodes" placeholder="Search name, group, address…" {...searchInput} className={`${inputClass} w-full sm:w-72`} />
            <select aria-label="Filter by group" value={query.group} onChange={(e) => go({ group: e.target.value })} className={`${inputClass} w-44`}>
              <option value="">All groups</option>
              {groups.map((g) => (
                <option key={g} value={g}>
                  {g}
                </option>
              ))}
            </select>
            <select aria-label="Filter by role or status" value={query.kind} onChange={(e) => go({ kind: e.target.value })} className={`${inputClass} w-44`}>
              <option value="">All roles</option>
              <option value="lighthouse">Lighthouses</option>
              <option value="relay">Relays</option>
              <option value="host">Plain hosts</option>
              <option value="pending">Pending</option>
              <option value="blocked">Blocked</option>
              <option value="offline">Offline</option>
              <option value="down">Nebula down</option>
              <option value="behind">Behind</option>
            </select>
            <ResultCount total={page.total} singular="node" plural="nodes" loading={loading} />
          </form>
          <div className={loading ? "opacity-60 transition-opacity" : undefined}>
            <TableView
              label="nodes"
              rows={page.nodes}
              rowKey={(n) => n.id}
              nothing="No node matches these filters."
              columns={[
                {
                  header: "Name",
                  // The name is also the host's DNS name: what a lighthouse's DNS answers (its certificate name).
                  cell: (n) => (
                    <span className="flex items-center gap-2">
                      <Link href={`/networks/${networkId}/nodes/${n.id}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                        {n.name}
                      </Link>
                      <CopyButton text={n.dnsName} label="Copy name" className="px-1.5 py-0.5 text-xs" />
                      {n.serveDns && <Pill tone="slate">DNS :{n.dnsPort}</Pill>}
                    </span>
                  ),
                },
                {
                  header: "IP",
                  // A dual-stack node shows its IPv6 address under the IPv4 one.
                  cell: (n) => (
                    <span className="flex flex-col">
                      <code className="font-mono text-xs">{n.ip ?? "—"}</code>
                      {n.ip6 && n.ip6 !== n.ip && <code className="font-mono text-xs text-slate-500 dark:text-slate-400">{n.ip6}</code>}
                    </span>
                  ),
                },
                { header: "Groups", cell: (n) => <span className="flex flex-wrap gap-1">{n.groups.map((g) => <Pill key={g} tone="slate">{g}</Pill>)}</span> },
                { header: "Role", cell: (n) => <RolePills isLighthouse={n.isLighthouse} isRelay={n.isRelay} /> },
                { header: "Status", cell: (n) => <NodeStatusPill status={n.status} /> },
                { header: "Certificate", cell: (n) => <ExpiryText iso={n.certificate?.notAfter} renewalDue={n.certificate?.renewalDue} /> },
                {
                  header: "Host",
                  className: "hidden md:table-cell",
                  cell: (n) => (
                    <span className="flex flex-wrap items-center gap-1">
                      <HostStatePill host={n.host} />
                      {n.host.nebulaVersion && <Pill tone="slate">nebula {n.host.nebulaVersion}</Pill>}
                    </span>
                  ),
                },
              ]}
            />
          </div>
          <Pager page={page} loading={loading} onPage={(n) => go({}, n)} />
        </div>
      )}
    </div>
  );
}

function AddNodeForm({ networkId, cidr, groups }: { networkId: string; cidr: string; groups: string[] }) {
  const { fields, error, busy, run } = useApiAction();
  const [open, setOpen] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const [infra, setInfra] = useState({ isLighthouse: false, isRelay: false });

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? "").trim();
    const port = text("listenPort");
    const done = await run(
      () =>
        apiCall("POST", `/api/v1/networks/${networkId}/nodes`, {
          name: text("name"),
          description: text("description"),
          groups: picked,
          ...infra,
          endpoints: text("endpoints") ? text("endpoints").split(/[\s,]+/).filter(Boolean) : [],
          listenPort: port ? Number(port) : null,
          ...(text("ip") ? { ip: text("ip") } : {}),
          ...(text("publicKeyPem") ? { publicKeyPem: text("publicKeyPem") } : {}),
        }),
      { success: "Node added" },
    );
    if (done) {
      form.reset();
      setPicked([]);
      setInfra({ isLighthouse: false, isRelay: false });
      setOpen(false);
    }
  }

  if (!open) {
    return (
      <button className={buttonClass} onClick={() => setOpen(true)}>
        Add node
      </button>
    );
  }
  const needsEndpoint = infra.isLighthouse || infra.isRelay;
  return (
    <form onSubmit={submit} noValidate className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900 md:grid-cols-2">
      <div className="md:col-span-2 flex items-center justify-between">
        <h2 className="text-lg font-medium">Add a node</h2>
        <button type="button" className="text-sm text-slate-500 dark:text-slate-400 underline" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <div className="md:col-span-2">
        <FormError message={error} />
      </div>
      <Field label="Hostname" name="name" required errors={fields.name} placeholder="web-1" autoFocus />
      <Field label="Static IP (optional)" name="ip" errors={fields.ip} placeholder={`lowest free in ${cidr}`} />
      <div className="md:col-span-2">
        <ChipPicker label="Groups" name="groups" options={groups} value={picked} onChange={setPicked} errors={fields.groups} />
      </div>
      <RoleToggles value={infra} onChange={setInfra} />
      {needsEndpoint && (
        <>
          <Field label="Public endpoints (host:port, comma-separated)" name="endpoints" errors={fields.endpoints ?? Object.entries(fields).filter(([k]) => k.startsWith("endpoints.")).flatMap(([, v]) => v)} placeholder="203.0.113.7:4242" />
          <Field label="Listen port" name="listenPort" type="number" min={1} max={65535} errors={fields.listenPort} placeholder="4242" />
        </>
      )}
      <div className="md:col-span-2">
        <TextAreaField
          label="Host public key (optional)"
          name="publicKeyPem"
          rows={3}
          errors={fields.publicKeyPem}
          hint="Run `nebula-cert keygen -out-key host.key -out-pub host.pub` on the host and paste host.pub. Leave empty to sign later or download a bundle."
        />
      </div>
      <Field label="Description" name="description" errors={fields.description} />
      <div className="flex items-end justify-end">
        <button type="submit" className={buttonClass} disabled={busy}>
          {busy && <Spinner />} {busy ? "Signing…" : "Add node"}
        </button>
      </div>
    </form>
  );
}
