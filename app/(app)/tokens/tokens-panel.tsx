"use client";
import { useState } from "react";
import type { ApiTokenView } from "@/lib/auth/api-tokens";
import { allScopes, operationScopes, operationsOf, readOnlyScopes, scopeCatalog, scopeResource, type Scope } from "@/lib/auth/scopes";
import { apiCall } from "../../_components/api-client";
import { ExpiryText, Pill } from "../../_components/badges";
import { CopyButton } from "../../_components/copy-button";
import { DataTable } from "../../_components/data-table";
import { buttonClass, Field, FormError, secondaryButtonClass, SelectField, Spinner } from "../../_components/form-controls";
import { useApiAction } from "../../_components/use-api-action";

interface NetworkOption {
  id: string;
  name: string;
}

interface Created {
  secret: string;
  token: ApiTokenView;
}

const statusTone = { active: "green", expired: "slate", revoked: "red" } as const;

const expiryChoices = [
  { value: "7", label: "7 days" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "never", label: "never" },
];

/** The scopes by resource, in catalogue order: networks, members, groups, nodes, … */
const scopeGroups = scopeCatalog.reduce<Array<{ resource: string; entries: Array<(typeof scopeCatalog)[number]> }>>((groups, entry) => {
  const resource = scopeResource(entry.scope);
  const group = groups.find((g) => g.resource === resource);
  if (group) group.entries.push(entry);
  else groups.push({ resource, entries: [entry] });
  return groups;
}, []);

function describeScopes(scopes: string[]): string {
  if (scopes.length === allScopes.length) return "everything";
  if (scopes.length === readOnlyScopes.length && readOnlyScopes.every((s) => scopes.includes(s))) return "read-only";
  return scopes.join(", ");
}

/**
 * A command that works with this token as made: the first read it is allowed (on its network, or
 * on the first network the user has), else creating a join link, else listing networks.
 */
function curlExample(secret: string, token: ApiTokenView, networks: NetworkOption[]): string {
  const base = `${window.location.origin}/api/v1`;
  const networkId = token.networkId ?? networks[0]?.id ?? "<network-id>";
  const auth = `-H "Authorization: Bearer ${secret}"`;
  const reads = Object.entries(operationScopes)
    .filter(([op, scope]) => op.startsWith("GET ") && token.scopes.includes(scope) && !/\{(?!networkId\})/.test(op))
    .map(([op]) => op.slice(4))
    // Listing networks first, then the network itself, then the shortest other read.
    .sort((a, b) => Number(!a.startsWith("/networks")) - Number(!b.startsWith("/networks")) || Number(a.includes("{")) - Number(b.includes("{")) || a.length - b.length);
  if (reads[0]) return `curl ${auth} "${base}${reads[0].replace("{networkId}", networkId)}"`;
  if (token.scopes.includes("links:create")) {
    return `curl ${auth} -H 'content-type: application/json' -d '{"description":"ci"}' "${base}/networks/${networkId}/links"`;
  }
  return `curl ${auth} "${base}/networks"`;
}

export function TokensPanel({ tokens, networks }: { tokens: ApiTokenView[]; networks: NetworkOption[] }) {
  const action = useApiAction();
  const [created, setCreated] = useState<Created | null>(null);
  return (
    <div className="space-y-6">
      {created && (
        <section className="space-y-3 rounded-lg border border-emerald-300 bg-emerald-50 p-5 dark:border-emerald-800 dark:bg-emerald-950" aria-label="New API token">
          <h2 className="font-medium">Token &ldquo;{created.token.name}&rdquo; created. Copy it now: it is shown only once.</h2>
          <code data-testid="api-token-secret" className="block break-all rounded bg-white p-2 font-mono text-xs dark:bg-slate-900">
            {created.secret}
          </code>
          <p className="text-sm">Try it:</p>
          <code data-testid="api-token-curl" className="block break-all rounded bg-white p-2 font-mono text-xs dark:bg-slate-900">
            {curlExample(created.secret, created.token, networks)}
          </code>
          <div className="flex flex-wrap gap-2">
            <CopyButton text={created.secret} label="Copy token" />
            <CopyButton text={curlExample(created.secret, created.token, networks)} label="Copy curl command" />
            <button className={secondaryButtonClass} onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </section>
      )}
      <CreateTokenForm networks={networks} onCreated={setCreated} />
      <FormError message={action.error} />
      <DataTable
        label="API tokens"
        rows={tokens}
        rowKey={(t) => t.id}
        searchText={(t) => `${t.name} ${t.prefix} ${t.networkName ?? "all networks"} ${t.scopes.join(" ")} ${t.status}`}
        empty="No API tokens yet."
        columns={[
          { header: "Name", cell: (t) => <span className="font-medium">{t.name}</span> },
          { header: "Token", cell: (t) => <code className="font-mono text-xs">{t.prefix}…</code> },
          { header: "Network", cell: (t) => t.networkName ?? <span className="text-slate-500 dark:text-slate-400">all yours</span> },
          { header: "Scopes", cell: (t) => <span className="text-xs">{describeScopes(t.scopes)}</span> },
          { header: "Created", cell: (t) => new Date(t.createdAt).toLocaleDateString() },
          {
            header: "Last used",
            cell: (t) => (t.lastUsedAt ? `${new Date(t.lastUsedAt).toLocaleString()}${t.lastUsedIp ? ` · ${t.lastUsedIp}` : ""}` : <span className="text-slate-500 dark:text-slate-400">never</span>),
          },
          { header: "Expires", cell: (t) => (t.expiresAt ? <ExpiryText iso={t.expiresAt} /> : "never") },
          { header: "Status", cell: (t) => <Pill tone={statusTone[t.status]}>{t.status}</Pill> },
          {
            header: "",
            className: "text-right",
            cell: (t) =>
              t.status === "active" ? (
                <button
                  className={secondaryButtonClass}
                  disabled={action.busy}
                  aria-label={`Revoke ${t.name}`}
                  onClick={() => action.run(() => apiCall("POST", `/api/v1/tokens/${t.id}/revoke`), { success: "Token revoked", toastErrors: true })}
                >
                  Revoke
                </button>
              ) : null,
          },
        ]}
      />
    </div>
  );
}

function CreateTokenForm({ networks, onCreated }: { networks: NetworkOption[]; onCreated: (created: Created) => void }) {
  const { fields, error, busy, run } = useApiAction();
  const [open, setOpen] = useState(false);
  const [scopes, setScopes] = useState<Scope[]>([...readOnlyScopes]);
  if (!open)
    return (
      <button className={buttonClass} onClick={() => setOpen(true)}>
        New API token
      </button>
    );
  const toggle = (scope: Scope, on: boolean) => setScopes((current) => (on ? allScopes.filter((s) => s === scope || current.includes(s)) : current.filter((s) => s !== scope)));
  return (
    <form
      noValidate
      aria-label="New API token"
      className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900 md:grid-cols-3"
      onSubmit={async (e) => {
        e.preventDefault();
        const d = new FormData(e.currentTarget);
        const s = (k: string) => String(d.get(k) ?? "").trim();
        const days = s("expiry");
        const result = await run(
          () =>
            apiCall<Created>("POST", "/api/v1/tokens", {
              name: s("name"),
              networkId: s("networkId") || null,
              scopes,
              expiresAt: days === "never" ? null : new Date(Date.now() + Number(days) * 86_400_000).toISOString(),
            }),
          { success: "Token created" },
        );
        if (result) {
          onCreated(result);
          setOpen(false);
        }
      }}
    >
      <div className="md:col-span-3">
        <FormError message={error} />
      </div>
      <Field label="Name" name="name" placeholder="ci-deploy" required errors={fields.name} />
      <SelectField label="Network" name="networkId" errors={fields.networkId} options={[{ value: "", label: "All networks you can see" }, ...networks.map((n) => ({ value: n.id, label: n.name }))]} />
      <SelectField label="Expires in" name="expiry" defaultValue="30" errors={fields.expiresAt} options={expiryChoices} />
      <fieldset className="space-y-3 md:col-span-3">
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Scopes</legend>
        <div className="flex flex-wrap gap-2 text-sm">
          <button type="button" className={secondaryButtonClass} onClick={() => setScopes([...readOnlyScopes])}>
            Read-only
          </button>
          <button type="button" className={secondaryButtonClass} onClick={() => setScopes([...allScopes])}>
            Everything
          </button>
          <button type="button" className={secondaryButtonClass} onClick={() => setScopes([])}>
            None
          </button>
        </div>
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {scopeGroups.map((group) => (
            <div key={group.resource} role="group" aria-label={group.resource} className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
              <p className="mb-1 text-sm font-medium capitalize">{group.resource}</p>
              {group.entries.map((entry) => (
                <label key={entry.scope} className="flex items-start gap-2 py-0.5 text-sm" title={operationsOf(entry.scope).join("\n")}>
                  <input type="checkbox" className="mt-1" name="scopes" value={entry.scope} checked={scopes.includes(entry.scope)} onChange={(e) => toggle(entry.scope, e.target.checked)} />
                  <span>
                    <code className="font-mono text-xs">{entry.scope}</code>
                    <span className="block text-xs text-slate-500 dark:text-slate-400">{entry.label}</span>
                  </span>
                </label>
              ))}
            </div>
          ))}
        </div>
        {fields.scopes && (
          <p data-field-error="scopes" className="text-sm text-red-600 dark:text-red-400">
            {fields.scopes.join(" ")}
          </p>
        )}
      </fieldset>
      <div className="flex items-end justify-end gap-2 md:col-span-3">
        <button type="button" className={secondaryButtonClass} onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" className={buttonClass} disabled={busy}>
          {busy && <Spinner />} Create token
        </button>
      </div>
    </form>
  );
}
