"use client";
import { useState } from "react";
import type { FirewallRule, RuleInput } from "@/lib/firewall/rule-schema";
import { apiCall } from "../../../../_components/api-client";
import { Pill } from "../../../../_components/badges";
import { buttonClass, ChipPicker, Field, FormError, secondaryButtonClass, SelectField, Spinner } from "../../../../_components/form-controls";
import { NodeCombobox } from "../../../../_components/node-combobox";
import { useApiAction } from "../../../../_components/use-api-action";
import { PolicyRefusal } from "./policy-refusal";

interface Props {
  networkId: string;
  rules: FirewallRule[];
  groups: string[];
  icmpEnabled: boolean;
  canEdit: boolean;
  /** Owners may apply a change the policy tests refuse. */
  canOverride?: boolean;
}

type Method = "POST" | "PUT" | "DELETE";

/** The same request, with the owner's override of the policy tests. */
function withOverride(url: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}overridePolicy=true`;
}

function peerText(rule: FirewallRule): string {
  const p = rule.peer;
  return p.kind === "any" ? "any host" : p.kind === "group" ? `group ${p.group}` : p.kind === "groups" ? `groups ${p.groups.join(" + ")}` : p.kind === "cidr" ? p.cidr : `host ${p.host}`;
}

export function RuleEditor({ networkId, rules, groups, icmpEnabled, canEdit, canOverride = false }: Props) {
  const action = useApiAction();
  const [editing, setEditing] = useState<string | "new" | null>(null);
  // The last change from the list (switch, move, delete), so a refused one can be applied with an override.
  const [attempt, setAttempt] = useState<{ method: Method; url: string; body?: unknown; success?: string } | null>(null);
  const base = `/api/v1/networks/${networkId}/rules`;
  const change = (method: Method, url: string, body?: unknown, success?: string) => {
    setAttempt({ method, url, body, success });
    return action.run(() => apiCall(method, url, body), { success, toastErrors: true });
  };

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
                onChange={(e) => change("PUT", `${base}/icmp`, { enabled: e.target.checked }, e.target.checked ? "Ping allowed" : "Ping blocked")}
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
      {action.fields.policy && (
        <PolicyRefusal
          messages={action.fields.policy}
          canOverride={canOverride}
          busy={action.busy}
          onOverride={attempt ? () => change(attempt.method, withOverride(attempt.url), attempt.body, attempt.success) : undefined}
        />
      )}
      {editing === "new" && <RuleForm networkId={networkId} groups={groups} canOverride={canOverride} onDone={() => setEditing(null)} />}
      <ol className="divide-y divide-slate-100 overflow-hidden rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-950" aria-label="Firewall rules">
        {rules.length === 0 && <li className="p-6 text-center text-sm text-slate-500 dark:text-slate-400">No rules: every packet is dropped.</li>}
        {rules.map((rule, i) => (
          <li key={rule.id} className="p-3" data-rule-id={rule.id}>
            {editing === rule.id ? (
              <RuleForm networkId={networkId} groups={groups} rule={rule} canOverride={canOverride} onDone={() => setEditing(null)} />
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
                {rule.localCidr && (
                  <span>
                    into routed subnet <code className="font-mono">{rule.localCidr}</code>
                  </span>
                )}
                {rule.description && <span className="text-slate-500 dark:text-slate-400">— {rule.description}</span>}
                {canEdit && (
                  <span className="ml-auto flex gap-1">
                    <button className={secondaryButtonClass} aria-label={`Move rule ${i + 1} up`} disabled={i === 0 || action.busy} onClick={() => change("POST", `${base}/${rule.id}/move`, { direction: "up" })}>
                      ↑
                    </button>
                    <button className={secondaryButtonClass} aria-label={`Move rule ${i + 1} down`} disabled={i === rules.length - 1 || action.busy} onClick={() => change("POST", `${base}/${rule.id}/move`, { direction: "down" })}>
                      ↓
                    </button>
                    <button className={secondaryButtonClass} onClick={() => setEditing(rule.id)}>
                      Edit
                    </button>
                    <button className={secondaryButtonClass} disabled={action.busy} onClick={() => change("DELETE", `${base}/${rule.id}`, undefined, "Rule deleted")}>
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

function RuleForm({ networkId, groups, rule, canOverride, onDone }: { networkId: string; groups: string[]; rule?: FirewallRule; canOverride: boolean; onDone: () => void }) {
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
      localCidr: s("localCidr") || null,
      description: s("description"),
    };
    const base = `/api/v1/networks/${networkId}/rules`;
    // The override box appears only after the policy tests refused this change, and only for owners.
    const url = (path: string) => (d.get("overridePolicy") === "on" ? withOverride(path) : path);
    const ok = await run(() => (rule ? apiCall("PUT", url(`${base}/${rule.id}`), body) : apiCall("POST", url(base), body)), { success: rule ? "Rule saved" : "Rule added" });
    if (ok) onDone();
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-3 rounded-lg border border-indigo-200 bg-indigo-50/40 p-4 dark:border-indigo-900 dark:bg-indigo-950/30 md:grid-cols-3" aria-label={rule ? "Edit rule" : "New rule"}>
      <div className="space-y-2 md:col-span-3">
        <FormError message={error} />
        {fields.policy && <PolicyRefusal messages={fields.policy} canOverride={canOverride} />}
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
        {peerKind === "cidr" && <Field label="Peer CIDR" name="peerCidr" defaultValue={rule?.peer.kind === "cidr" ? rule.peer.cidr : ""} placeholder="192.168.1.0/24" hint="IPv4, or IPv6 on a dual-stack network (e.g. fd42:abcd:1234::/64): Nebula matches the peer's address of the family the traffic uses." errors={err("peer")} />}
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
      <Field
        label="Only to routed subnet"
        name="localCidr"
        defaultValue={rule?.localCidr ?? ""}
        placeholder="192.168.50.0/24"
        errors={fields.localCidr}
        hint="Leave empty for the host itself. A subnet limits the rule to traffic the host routes into it (Nebula's local_cidr; 1.6 hosts leave such rules out)."
      />
      <div className="md:col-span-3">
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
