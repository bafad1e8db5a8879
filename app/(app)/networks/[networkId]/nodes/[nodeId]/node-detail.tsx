"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { NodeView } from "@/lib/nodes/node-service";
import type { DnsResolverView } from "@/lib/nodes/node-dns";
import { apiCall, apiFetch } from "../../../../../_components/api-client";
import { ExpiryText, HostStatePill, NodeStatusPill, Pill, RolePills } from "../../../../../_components/badges";
import { CopyButton } from "../../../../../_components/copy-button";
import { HostVersionNote } from "../../../../../_components/nebula-versions";
import { PolicyRefusal } from "../../firewall/policy-refusal";
import { buttonClass, ChipPicker, dangerButtonClass, RoleToggles, Field, FormError, secondaryButtonClass, SelectField, Spinner, TextAreaField } from "../../../../../_components/form-controls";
import { useToast } from "../../../../../_components/toast";
import { useApiAction } from "../../../../../_components/use-api-action";

interface Props {
  networkId: string;
  node: NodeView;
  groups: string[];
  config: { yaml: string | null; etag: string | null; error: string | null };
  canEdit: boolean;
  /** Owners may override the policy tests (a group change that breaks an assertion). */
  canOverridePolicy?: boolean;
  /** The lighthouse DNS servers this node can query (issue 12 part 3). */
  dnsResolvers?: DnsResolverView[];
}

const card = "rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900";

export function NodeDetail({ networkId, node, groups, config, canEdit, canOverridePolicy = false, dnsResolvers = [] }: Props) {
  const base = `/api/v1/networks/${networkId}/nodes/${node.id}`;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="text-xl font-semibold">{node.name}</h2>
        <code className="font-mono text-sm">{node.ip}</code>
        {node.ip6 && node.ip6 !== node.ip && (
          // A long IPv6 address is copied, not retyped.
          <span className="flex items-center gap-1">
            <code className="font-mono text-sm" title="IPv6 address (dual-stack network)" data-testid="node-ip6">
              {node.ip6}
            </code>
            <CopyButton text={node.ip6} label="Copy IPv6" className="px-1.5 py-0.5 text-xs" />
          </span>
        )}
        <NodeStatusPill status={node.status} />
        <RolePills isLighthouse={node.isLighthouse} isRelay={node.isRelay} />
        {node.groups.map((g) => (
          <Pill key={g} tone="slate">
            {g}
          </Pill>
        ))}
      </div>
      <HostCard node={node} />
      <NamesCard node={node} resolvers={dnsResolvers} />
      <div className="grid gap-6 lg:grid-cols-2">
        <CertificateCard node={node} />
        {canEdit && <SignAndBundle base={base} node={node} />}
      </div>
      <ConfigPreview base={base} config={config} />
      {canEdit && <NodeActions base={base} node={node} />}
      {canEdit && <EditNode base={base} node={node} groups={groups} networkId={networkId} canOverridePolicy={canOverridePolicy} />}
    </div>
  );
}

/** What the host itself reported: never inferred from what the server sent. */
function HostCard({ node }: { node: NodeView }) {
  const h = node.host;
  return (
    <section className={card} aria-labelledby="host-heading">
      <h3 id="host-heading" className="mb-3 flex items-center gap-2 font-medium">
        On the host <HostStatePill host={h} />
      </h3>
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-300">{h.detail}</p>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        <dt className="text-slate-500 dark:text-slate-400">Applied revision</dt>
        <dd>{h.appliedRevision ?? "none confirmed"}{h.appliedAt && <span className="text-slate-500 dark:text-slate-400"> · since {new Date(h.appliedAt).toLocaleString()}</span>}</dd>
        <dt className="text-slate-500 dark:text-slate-400">nebula</dt>
        <dd>
          {h.nebulaState ?? "not reported"}
          {h.nebulaVersion ? <span data-testid="host-nebula-version">{` · ${h.nebulaVersion}`}</span> : <span className="text-slate-500 dark:text-slate-400"> · version not reported: its config is written for the network&apos;s oldest allowed version</span>}
          <HostVersionNote version={h.nebulaVersion} />
        </dd>
        <dt className="text-slate-500 dark:text-slate-400">Agent</dt>
        <dd>{h.agentVersion ?? "not reported"}</dd>
        <dt className="text-slate-500 dark:text-slate-400">Last poll</dt>
        <dd>{node.lastSeenAt ? new Date(node.lastSeenAt).toLocaleString() : "never"}</dd>
        <dt className="text-slate-500 dark:text-slate-400">Last error</dt>
        <dd className={h.lastError ? "text-red-700 dark:text-red-300" : undefined}>{h.lastError ?? "none"}</dd>
      </dl>
    </section>
  );
}

/** The host's DNS name (its certificate name) and the lighthouse DNS servers that answer it. */
function NamesCard({ node, resolvers }: { node: NodeView; resolvers: DnsResolverView[] }) {
  const serving = node.isLighthouse && node.serveDns;
  const own = serving ? `${node.dnsHost ?? node.ip}:${node.dnsPort}` : null;
  return (
    <section className={card} aria-labelledby="names-heading" data-testid="dns-card">
      <h3 id="names-heading" className="mb-3 font-medium">
        Name resolution
      </h3>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        <dt className="text-slate-500 dark:text-slate-400">DNS name</dt>
        <dd className="flex items-center gap-2">
          <code className="font-mono text-xs" data-testid="dns-name">
            {node.dnsName}
          </code>
          <CopyButton text={node.dnsName} label="Copy name" className="px-2 py-1 text-xs" />
        </dd>
        <dt className="text-slate-500 dark:text-slate-400">Resolver</dt>
        <dd data-testid="dns-resolvers">
          {resolvers.length ? (
            <ul className="space-y-1">
              {resolvers.map((r) => (
                <li key={`${r.lighthouse}-${r.address}-${r.port}`} className="flex flex-wrap items-center gap-2">
                  <span>
                    Resolve names with <code className="font-mono text-xs">{`${r.address}:${r.port}`}</code> (lighthouse {r.lighthouse})
                  </span>
                  <CopyButton text={`dig @${r.address} -p ${r.port} +short ${node.dnsName}`} label="Copy dig" className="px-2 py-1 text-xs" />
                  {r.firewall && !r.firewall.allowed && <span className="w-full text-xs text-amber-700 dark:text-amber-300">Firewall: {r.firewall.summary}</span>}
                </li>
              ))}
            </ul>
          ) : (
            <span className="text-slate-500 dark:text-slate-400">No lighthouse serves DNS yet: turn it on in a lighthouse&apos;s settings.</span>
          )}
        </dd>
        {own && (
          <>
            <dt className="text-slate-500 dark:text-slate-400">Serves DNS</dt>
            <dd data-testid="dns-serving">
              on <code className="font-mono text-xs">{own}</code> (UDP)
            </dd>
          </>
        )}
      </dl>
      <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">
        A lighthouse answers a host&apos;s certificate name (no domain) with its overlay address, but only for hosts that have a tunnel to that lighthouse, and never its own name. Queries cross the lighthouse&apos;s firewall: it needs an inbound rule allowing UDP to the DNS port.
      </p>
    </section>
  );
}

function CertificateCard({ node }: { node: NodeView }) {
  const c = node.certificate;
  return (
    <section className={card}>
      <h3 className="mb-3 font-medium">Certificate</h3>
      {!c ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">No certificate yet. Sign the host&apos;s public key, or download a bundle.</p>
      ) : (
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
          <dt className="text-slate-500 dark:text-slate-400">Fingerprint</dt>
          <dd className="flex items-center gap-2">
            <code className="truncate font-mono text-xs" title={c.fingerprint}>
              {c.fingerprint.slice(0, 24)}…
            </code>
            <CopyButton text={c.fingerprint} className="px-2 py-1 text-xs" />
          </dd>
          <dt className="text-slate-500 dark:text-slate-400">Signed for</dt>
          <dd>
            <code className="font-mono text-xs">{c.ip}</code>
            {c.ip6 && c.ip6 !== c.ip && <code className="font-mono text-xs">, {c.ip6}</code>} · {c.groups.join(", ") || "no groups"}
          </dd>
          <dt className="text-slate-500 dark:text-slate-400">Valid</dt>
          <dd>
            {new Date(c.notBefore).toLocaleDateString()} – {new Date(c.notAfter).toLocaleDateString()} (<ExpiryText iso={c.notAfter} renewalDue={c.renewalDue} />)
          </dd>
          <dt className="text-slate-500 dark:text-slate-400">Key</dt>
          <dd>{c.origin === "signed" ? "made on the host (private key never left it)" : "made by the server for a one-time bundle"}</dd>
        </dl>
      )}
    </section>
  );
}

function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

function SignAndBundle({ base, node }: { base: string; node: NodeView }) {
  const { fields, error, busy, run } = useApiAction();
  const toast = useToast();
  const router = useRouter();
  const [downloading, setDownloading] = useState(false);

  async function downloadBundle(newKey: boolean) {
    setDownloading(true);
    try {
      const res = await apiFetch("POST", `${base}/bundle`, { newKey });
      if (!res.ok) throw new Error(((await res.json().catch(() => null)) as { error?: { message: string } } | null)?.error?.message ?? "Download failed");
      saveBlob(await res.blob(), `${node.name}-nebula.zip`);
      toast("success", newKey ? "Bundle downloaded. Its private key exists only in that file." : "Bundle downloaded");
      router.refresh();
    } catch (e) {
      toast("error", e instanceof Error ? e.message : "Download failed");
    } finally {
      setDownloading(false);
    }
  }

  return (
    <section className={`${card} space-y-4`}>
      <h3 className="font-medium">Sign a public key</h3>
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const pem = String(new FormData(form).get("publicKeyPem") ?? "");
          if (await run(() => apiCall("POST", `${base}/certificate`, { publicKeyPem: pem }), { success: "Certificate signed" })) form.reset();
        }}
        className="space-y-3"
      >
        <FormError message={error} />
        <TextAreaField label="Host public key (host.pub)" name="publicKeyPem" rows={3} errors={fields.publicKeyPem} placeholder="-----BEGIN NEBULA X25519 PUBLIC KEY-----" />
        <button type="submit" className={buttonClass} disabled={busy || node.status === "blocked"}>
          {busy && <Spinner />} Sign
        </button>
      </form>
      <div className="space-y-2 border-t border-slate-200 pt-4 dark:border-slate-800">
        <h3 className="font-medium">Download a bundle</h3>
        <p className="text-xs text-slate-500 dark:text-slate-400">config.yml, ca.crt and host.crt in a zip; with a new key pair, host.key too (made here, stored nowhere).</p>
        <div className="flex flex-wrap gap-2">
          <button className={secondaryButtonClass} disabled={downloading || !node.certificate} onClick={() => downloadBundle(false)}>
            Current certificate
          </button>
          <button className={secondaryButtonClass} disabled={downloading || node.status === "blocked"} onClick={() => downloadBundle(true)}>
            {downloading && <Spinner />} New key pair
          </button>
        </div>
      </div>
    </section>
  );
}

function ConfigPreview({ base, config }: { base: string; config: Props["config"] }) {
  return (
    <section className={card}>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h3 className="font-medium">config.yml</h3>
        {config.yaml && (
          <div className="flex gap-2">
            <CopyButton text={config.yaml} />
            <a className={secondaryButtonClass} href={`${base}/config?download=1`}>
              Download
            </a>
          </div>
        )}
      </div>
      {config.yaml ? (
        <pre tabIndex={0} className="max-h-[32rem] overflow-auto rounded bg-slate-950 p-4 font-mono text-xs leading-relaxed text-slate-100" data-testid="config-preview">
          {config.yaml}
        </pre>
      ) : (
        <p className="text-sm text-slate-500 dark:text-slate-400">{config.error}</p>
      )}
    </section>
  );
}

function EditNode({ base, node, groups, networkId, canOverridePolicy }: { base: string; node: NodeView; groups: string[]; networkId: string; canOverridePolicy: boolean }) {
  const { fields, error, busy, run } = useApiAction();
  const router = useRouter();
  const [picked, setPicked] = useState(node.groups);
  const [roles, setRoles] = useState({ isLighthouse: node.isLighthouse, isRelay: node.isRelay });
  const [serveDns, setServeDns] = useState(node.serveDns);

  async function save(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const text = (k: string) => String(data.get(k) ?? "").trim();
    const mtu = text("tunMtu");
    await run(
      () =>
        // A group change is policy-tested; an owner's ticked override goes with the request (audited).
        apiCall("PATCH", data.get("overridePolicy") === "on" ? `${base}?overridePolicy=true` : base, {
          description: text("description"),
          groups: picked,
          ...roles,
          endpoints: text("endpoints") ? text("endpoints").split(/[\s,]+/).filter(Boolean) : [],
          listenPort: text("listenPort") ? Number(text("listenPort")) : null,
          // DNS settings exist only on a lighthouse: unticking "Lighthouse" turns DNS off with it.
          ...(roles.isLighthouse ? { serveDns, dnsHost: text("dnsHost") || null, dnsPort: text("dnsPort") ? Number(text("dnsPort")) : 53 } : { serveDns: false }),
          unsafeNetworks: text("unsafeNetworks").split(/[\s,]+/).filter(Boolean),
          overrides: {
            ...(text("tunDev") ? { tunDev: text("tunDev") } : {}),
            ...(mtu ? { tunMtu: Number(mtu) } : {}),
            ...(text("logLevel") ? { logLevel: text("logLevel") } : {}),
          },
        }),
      { success: "Saved; the certificate was re-signed if its groups or routed subnets changed" },
    );
  }

  async function remove() {
    if (!window.confirm(`Delete ${node.name}? Its certificate is revoked and its address freed.`)) return;
    if ((await run(() => apiCall("DELETE", base), { success: `${node.name} deleted`, refresh: false })) !== undefined || !error) {
      router.push(`/networks/${networkId}/nodes`);
      router.refresh();
    }
  }

  const overrides = node.overrides;
  return (
    <section className={card}>
      <form onSubmit={save} noValidate className="grid gap-4 md:grid-cols-2">
        <h3 className="font-medium md:col-span-2">Settings</h3>
        <div className="md:col-span-2">
          {fields.policy ? <PolicyRefusal messages={fields.policy} canOverride={canOverridePolicy} /> : <FormError message={error} />}
        </div>
        <div className="md:col-span-2">
          <ChipPicker label="Groups" name="groups" options={groups} value={picked} onChange={setPicked} errors={fields.groups} />
        </div>
        <RoleToggles value={roles} onChange={setRoles} />
        <Field label="Public endpoints" name="endpoints" defaultValue={node.endpoints.join(", ")} errors={fields.endpoints} />
        <Field label="Listen port" name="listenPort" type="number" defaultValue={node.listenPort ?? ""} errors={fields.listenPort} />
        {roles.isLighthouse && (
          <fieldset className="grid gap-4 rounded-md border border-slate-200 p-4 dark:border-slate-800 md:col-span-2 md:grid-cols-2">
            <legend className="px-1 text-sm font-medium">Lighthouse DNS</legend>
            <div className="space-y-1 md:col-span-2">
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" name="serveDns" checked={serveDns} onChange={(e) => setServeDns(e.target.checked)} aria-invalid={Boolean(fields.serveDns?.length)} /> Serve DNS: answer host names with their overlay addresses
              </label>
              {fields.serveDns?.length ? (
                <p data-field-error="serveDns" className="text-sm text-red-600 dark:text-red-400">
                  {fields.serveDns.join(" ")}
                </p>
              ) : null}
            </div>
            <Field
              label="DNS address"
              name="dnsHost"
              defaultValue={node.dnsHost ?? ""}
              placeholder={node.ip ?? "overlay address"}
              hint="Empty: this lighthouse's overlay address, reachable only through Nebula. Or a loopback address. Never the underlay: anyone could list the host names."
              errors={fields.dnsHost}
            />
            <Field label="DNS port (UDP)" name="dnsPort" type="number" min={1} max={65535} defaultValue={node.dnsPort} placeholder="53" errors={fields.dnsPort} />
          </fieldset>
        )}
        <Field
          label="Routed subnets"
          name="unsafeNetworks"
          defaultValue={node.unsafeNetworks.join(", ")}
          placeholder="192.168.50.0/24"
          hint="Networks behind this host that it forwards for the overlay (Nebula's unsafe routes). They go into its certificate; every other host routes them through it. The host must forward IP (net.ipv4.ip_forward=1)."
          errors={Object.entries(fields).filter(([k]) => k === "unsafeNetworks" || k.startsWith("unsafeNetworks.")).flatMap(([, v]) => v)}
        />
        <Field label="tun device" name="tunDev" defaultValue={overrides.tunDev ?? ""} placeholder="nebula1" errors={fields["overrides.tunDev"]} />
        <Field label="tun MTU" name="tunMtu" type="number" defaultValue={overrides.tunMtu ?? ""} placeholder="1300" errors={fields["overrides.tunMtu"]} />
        <SelectField
          label="Log level"
          name="logLevel"
          defaultValue={overrides.logLevel ?? ""}
          errors={fields["overrides.logLevel"]}
          options={[{ value: "", label: "network default (info)" }, ...["panic", "fatal", "error", "warning", "info", "debug"].map((l) => ({ value: l, label: l }))]}
        />
        <Field label="Description" name="description" defaultValue={node.description} errors={fields.description} />
        <div className="flex justify-between md:col-span-2">
          <button type="button" className={dangerButtonClass} onClick={remove} disabled={busy}>
            Delete node
          </button>
          <button type="submit" className={buttonClass} disabled={busy}>
            {busy && <Spinner />} Save
          </button>
        </div>
      </form>
    </section>
  );
}

/** Approve a node waiting after enrollment; block a node (blocklist + credential revoked). */
function NodeActions({ base, node }: { base: string; node: NodeView }) {
  const { busy, run } = useApiAction();
  if (node.status === "blocked") {
    return <p className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">This node is blocked: its certificate is on every node&apos;s blocklist and its agent credential is revoked. To bring the host back, delete this node and enroll it again.</p>;
  }
  return (
    <section className="flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      {node.awaitingApproval && (
        <button className={buttonClass} disabled={busy} onClick={() => run(() => apiCall("POST", `${base}/approve`), { success: `${node.name} approved and signed`, toastErrors: true })}>
          {busy && <Spinner />} Approve and sign
        </button>
      )}
      <button
        className={dangerButtonClass}
        disabled={busy}
        onClick={() => {
          if (window.confirm(`Block ${node.name}? Every node will refuse it from its next poll, and it cannot be unblocked.`)) void run(() => apiCall("POST", `${base}/block`), { success: `${node.name} blocked`, toastErrors: true });
        }}
      >
        Block node
      </button>
      <span className="text-sm text-slate-500 dark:text-slate-400">Blocking is immediate and permanent; the host must enroll again.</span>
    </section>
  );
}
