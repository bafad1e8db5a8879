"use client";
import { useState } from "react";
import type { FirewallRule, RuleInput } from "@/lib/firewall/rule-schema";
import { apiCall } from "../../../../_components/api-client";
import { Pill } from "../../../../_components/badges";
import { buttonClass, ChipPicker, Field, FormError, secondaryButtonClass, SelectField, Spinner } from "../../../../_components/form-controls";
import { NodeCombobox } from "../../../../_components/node-combobox";
import { useApiAction } from "../../../../_components/use-api-action";

interface Props {
  networkId: string;
  rules: FirewallRule[];
  groups: string[];
  icmpEnabled: boolean;
  canEdit: boolean;
}

function peerText(rule: FirewallRule): string {
  const p = rule.peer;
  return p.kind === "any" ? "any host" : p.kind === "group" ? `group ${p.group}` : p.kind === "groups" ? `groups ${p.groups.join(" + ")}` : p.kind === "cidr" ? p.cidr : `host ${p.host}`;
}

export function RuleEditor({ networkId, rules, groups, icmpEnabled, canEdit }: Props) {
  const action = useApiAction();
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const base = `/api/v1/networks/${networkId}/rules`;

  return (
    <section className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h2 className="text-lg font-medium">Firewall rules</h2>
          <p className="text-sm text-slate-500 dark:text-slate-400">Nebula drops what no rule allows. Traffic needs an outbound rule on the sender and an inbound rule on the receiver.</p>
        </div>
        {canEdit && (
          <div className="flex items-center gap-3">
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                role="switch"
                checked={icmpEnabled}
                disabled={action.busy}
                onChange={(e) => action.run(() => apiCall("PUT", `${base}/icmp`, { enabled: e.target.checked }), { success: e.target.checked ? "Ping allowed" : "Ping blocked", toastErrors: true })}
              />
              Allow ping (ICMP) from any host
            </label>
            <button className={buttonClass} onClick={() => setEditing("new")}>
              Add rule
            </button>
          </div>
        )}
      </div>
      <FormError message={action.error} />
      {editing === "new" && <RuleForm networkId={networkId} groups={groups} onDone={() => setEditing(null)} />}
      <ol className="divide-y divide-slate-100 overflow-hidden rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-950" aria-label="Firewall rules">
        {rules.length === 0 && <li className="p-6 text-center text-sm text-slate-500 dark:text-slate-400">No rules: every packet is dropped.</li>}
        {rules.map((rule, i) => (
          <li key={rule.id} className="p-3" data-rule-id={rule.id}>
            {editing === rule.id ? (
              <RuleForm networkId={networkId} groups={groups} rule={rule} onDone={() => setEditing(null)} />
            ) : (
              <div className="flex flex-wrap items-center gap-3 text-sm">
                <span className="w-6 text-right text-slate-500 dark:text-slate-400">{i + 1}</span>
                <Pill tone={rule.direction === "inbound" ? "sky" : "violet"}>{rule.direction}</Pill>
                <code className="font-mono">
                  {rule.proto}/{rule.port}
                </code>
                <span>
                  {rule.direction === "inbound" ? "from" : "to"} <strong>{peerText(rule)}</strong>
                </span>
                <span className="text-slate-500 dark:text-slate-400">on {rule.appliesTo.kind === "all" ? "all nodes" : `group ${rule.appliesTo.group}`}</span>
                {rule.description && <span className="text-slate-500 dark:text-slate-400">— {rule.description}</span>}
                {canEdit && (
                  <span className="ml-auto flex gap-1">
                    <button className={secondaryButtonClass} aria-label={`Move rule ${i + 1} up`} disabled={i === 0 || action.busy} onClick={() => action.run(() => apiCall("POST", `${base}/${rule.id}/move`, { direction: "up" }), { toastErrors: true })}>
                      ↑
                    </button>
                    <button className={secondaryButtonClass} aria-label={`Move rule ${i + 1} down`} disabled={i === rules.length - 1 || action.busy} onClick={() => action.run(() => apiCall("POST", `${base}/${rule.id}/move`, { direction: "down" }), { toastErrors: true })}>
                      ↓
                    </button>
                    <button className={secondaryButtonClass} onClick={() => setEditing(rule.id)}>
                      Edit
                    </button>
                    <button className={secondaryButtonClass} disabled={action.busy} onClick={() => action.run(() => apiCall("DELETE", `${base}/${rule.id}`), { success: "Rule deleted", toastErrors: true })}>
                      Delete
                    </button>
                  </span>
                )}
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function RuleForm({ networkId, groups, rule, onDone }: { networkId: string; groups: string[]; rule?: FirewallRule; onDone: () => void }) {
  const { fields, error, busy, run } = useApiAction();
  const [peerKind, setPeerKind] = useState<RuleInput["peer"]["kind"]>(rule?.peer.kind ?? "group");
  const [peerGroups, setPeerGroups] = useState<string[]>(rule?.peer.kind === "groups" ? rule.peer.groups : []);
  const [proto, setProto] = useState(rule?.proto ?? "tcp");
  const groupOptions = groups.map((g) => ({ value: g, label: g }));
  const err = (prefix: string) => Object.entries(fields).filter(([k]) => k === prefix || k.startsWith(`${prefix}.`)).flatMap(([, v]) => v);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    const s = (k: string) => String(d.get(k) ?? "").trim();
    const peer =
      peerKind === "any" ? { kind: "any" } : peerKind === "group" ? { kind: "group", group: s("peerGroup") } : peerKind === "groups" ? { kind: "groups", groups: peerGroups } : peerKind === "cidr" ? { kind: "cidr", cidr: s("peerCidr") } : { kind: "host", host: s("peerHost") };
    const body = {
      direction: s("direction"),
      proto,
      port: proto === "icmp" ? "any" : s("port"),
      peer,
      appliesTo: s("appliesTo") ? { kind: "group", group: s("appliesTo") } : { kind: "all" },
      description: s("description"),
    };
    const base = `/api/v1/networks/${networkId}/rules`;
    const ok = await run(() => (rule ? apiCall("PUT", `${base}/${rule.id}`, body) : apiCall("POST", base, body)), { success: rule ? "Rule saved" : "Rule added" });
    if (ok) onDone();
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-3 rounded-lg border border-indigo-200 bg-indigo-50/40 p-4 dark:border-indigo-900 dark:bg-indigo-950/30 md:grid-cols-3" aria-label={rule ? "Edit rule" : "New rule"}>
      <div className="md:col-span-3">
        <FormError message={error} />
      </div>
      <SelectField label="Direction" name="direction" defaultValue={rule?.direction ?? "inbound"} errors={fields.direction} options={[{ value: "inbound", label: "inbound" }, { value: "outbound", label: "outbound" }]} />
      <SelectField label="Protocol" name="proto" value={proto} onChange={(e) => setProto(e.target.value as typeof proto)} errors={fields.proto} options={["tcp", "udp", "icmp", "any"].map((p) => ({ value: p, label: p }))} />
      <Field label="Port" name="port" defaultValue={rule?.port ?? "443"} disabled={proto === "icmp"} errors={fields.port} hint="any, 443, 8000-8100 or fragment" />
      <SelectField
        label="Peer"
        name="peerKind"
        value={peerKind}
        onChange={(e) => setPeerKind(e.target.value as typeof peerKind)}
        options={[
          { value: "any", label: "any host" },
          { value: "group", label: "a group" },
          { value: "groups", label: "all of several groups" },
          { value: "cidr", label: "a CIDR" },
          { value: "host", label: "one node" },
        ]}
      />
      <div className="md:col-span-2">
        {peerKind === "group" && <SelectField label="Peer group" name="peerGroup" defaultValue={rule?.peer.kind === "group" ? rule.peer.group : groups[0]} errors={err("peer")} options={groupOptions} />}
        {peerKind === "groups" && <ChipPicker label="Peer must be in all of" name="peerGroups" options={groups} value={peerGroups} onChange={setPeerGroups} errors={err("peer")} />}
        {peerKind === "cidr" && <Field label="Peer CIDR" name="peerCidr" defaultValue={rule?.peer.kind === "cidr" ? rule.peer.cidr : ""} placeholder="192.168.1.0/24" errors={err("peer")} />}
        {peerKind === "host" && (
          <NodeCombobox
            networkId={networkId}
            label="Peer node"
            name="peerHost"
            submit="name"
            initial={rule?.peer.kind === "host" ? { id: rule.peer.host, name: rule.peer.host, ip: null, status: "active" } : null}
            errors={err("peer")}
          />
        )}
      </div>
      <SelectField label="Applies to" name="appliesTo" defaultValue={rule?.appliesTo.kind === "group" ? rule.appliesTo.group : ""} errors={err("appliesTo")} options={[{ value: "", label: "all nodes" }, ...groupOptions.map((g) => ({ ...g, label: `nodes in ${g.label}` }))]} />
      <div className="md:col-span-2">
        <Field label="Description" name="description" defaultValue={rule?.description ?? ""} errors={fields.description} />
      </div>
      <div className="flex justify-end gap-2 md:col-span-3">
        <button type="button" className={secondaryButtonClass} onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className={buttonClass} disabled={busy}>
          {busy && <Spinner />} {rule ? "Save rule" : "Add rule"}
        </button>
      </div>
    </form>
  );
}
