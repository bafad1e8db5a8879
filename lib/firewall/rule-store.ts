/**
 * Firewall rules in the database. Rules refer to groups and nodes by id (so renaming a group
 * renames it in every rule, and a group or node in use cannot be deleted); this module maps them
 * to and from the by-name model in rule-schema.ts.
 */
import { db, type Tx } from "@/lib/db/client";
import { AppError, type FieldErrors } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { recordAudit } from "@/lib/audit/record-audit";
import { emitWebhookEvent } from "@/lib/webhooks/emit";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { defaultRules, isInboundIcmpDefault, type FirewallRule, type RuleInput } from "./rule-schema";
import { describeRule } from "./evaluate";
import { policyGuard, type PolicyOptions } from "./policy-guard";

export const ruleInclude = {
  peerGroups: { include: { group: { select: { name: true } } } },
  appliesToGroup: { select: { name: true } },
  peerNode: { select: { name: true } },
} as const;

type RuleRow = Awaited<ReturnType<typeof loadRuleRows>>[number];

function loadRuleRows(client: Pick<Tx, "firewallRule">, networkId: string) {
  return client.firewallRule.findMany({ where: { networkId }, include: ruleInclude, orderBy: [{ position: "asc" }, { createdAt: "asc" }] });
}

export function toRuleModel(row: RuleRow): FirewallRule {
  const groups = row.peerGroups.map((g) => g.group.name).sort();
  const peer: FirewallRule["peer"] =
    row.peerKind === "group"
      ? { kind: "group", group: groups[0] ?? "" }
      : row.peerKind === "groups"
        ? { kind: "groups", groups }
        : row.peerKind === "cidr"
          ? { kind: "cidr", cidr: row.peerCidr ?? "" }
          : row.peerKind === "host"
            ? { kind: "host", host: row.peerNode?.name ?? "" }
            : { kind: "any" };
  return {
    id: row.id,
    position: row.position,
    direction: row.direction,
    port: row.port,
    proto: row.proto,
    peer,
    appliesTo: row.appliesToGroup ? { kind: "group", group: row.appliesToGroup.name } : { kind: "all" },
    ...(row.localCidr ? { localCidr: row.localCidr } : {}),
    description: row.description,
  };
}

export async function listRules(networkId: string, client: Pick<Tx, "firewallRule"> = db): Promise<FirewallRule[]> {
  return (await loadRuleRows(client, networkId)).map(toRuleModel);
}

/** Group and node names to ids; every unknown name becomes a field error. */
async function resolveRefs(tx: Tx, networkId: string, rule: RuleInput) {
  const errors: FieldErrors = {};
  const groupNames = [
    ...(rule.peer.kind === "group" ? [rule.peer.group] : rule.peer.kind === "groups" ? rule.peer.groups : []),
    ...(rule.appliesTo.kind === "group" ? [rule.appliesTo.group] : []),
  ];
  const groups = await tx.group.findMany({ where: { networkId, name: { in: groupNames } }, select: { id: true, name: true } });
  const groupId = (name: string, field: string) => {
    const g = groups.find((x) => x.name === name);
    if (!g) (errors[field] ??= []).push(`There is no group "${name}" in this network`);
    return g?.id ?? "";
  };
  const peerGroupIds =
    rule.peer.kind === "group" ? [groupId(rule.peer.group, "peer.group")] : rule.peer.kind === "groups" ? rule.peer.groups.map((g) => groupId(g, "peer.groups")) : [];
  const appliesToGroupId = rule.appliesTo.kind === "group" ? groupId(rule.appliesTo.group, "appliesTo.group") : null;
  let peerNodeId: string | null = null;
  if (rule.peer.kind === "host") {
    const node = await tx.node.findUnique({ where: { networkId_name: { networkId, name: rule.peer.host.toLowerCase() } }, select: { id: true } });
    if (!node) (errors["peer.host"] ??= []).push(`There is no node "${rule.peer.host}" in this network`);
    peerNodeId = node?.id ?? null;
  }
  if (rule.peer.kind === "cidr" && rule.peer.cidr.includes(":")) {
    // Only a dual-stack network's hosts have IPv6 addresses: elsewhere the rule could match no
    // peer, and the network's Nebula 1.6 hosts (v1 certificates) cannot hold IPv6 CIDRs at all.
    const network = await tx.network.findUnique({ where: { id: networkId }, select: { cidr6: true } });
    if (!network?.cidr6) (errors["peer.cidr"] ??= []).push("This network has no IPv6 range, so no host has an IPv6 address: use an IPv4 CIDR");
  }
  if (Object.keys(errors).length) throw new AppError("validation_failed", "Some fields are not valid", errors);
  return {
    direction: rule.direction,
    port: rule.port,
    proto: rule.proto,
    peerKind: rule.peer.kind,
    peerCidr: rule.peer.kind === "cidr" ? rule.peer.cidr : null,
    peerNodeId,
    appliesToGroupId,
    localCidr: rule.localCidr ?? null,
    description: rule.description,
    peerGroupIds,
  };
}

async function insertRule(tx: Tx, networkId: string, rule: RuleInput, position: number) {
  const { peerGroupIds, ...data } = await resolveRefs(tx, networkId, rule);
  return tx.firewallRule.create({
    data: { ...data, networkId, position, peerGroups: { create: peerGroupIds.map((groupId) => ({ groupId })) } },
    include: ruleInclude,
  });
}

export async function createDefaultRules(tx: Tx, networkId: string): Promise<void> {
  for (const [i, rule] of defaultRules.entries()) await insertRule(tx, networkId, rule, i);
}

async function nextPosition(tx: Tx, networkId: string): Promise<number> {
  const last = await tx.firewallRule.findFirst({ where: { networkId }, orderBy: { position: "desc" }, select: { position: true } });
  return (last?.position ?? -1) + 1;
}

/**
 * Every change below is tested against the network's policy assertions in its own transaction
 * (policy-guard.ts): one that breaks an assertion throws, and the transaction rolls back.
 */
export async function createRule(actor: Actor, networkId: string, input: RuleInput, meta: RequestMeta, policy: PolicyOptions = {}): Promise<FirewallRule> {
  return db.$transaction(async (tx) => {
    const guard = await policyGuard(tx, networkId, () => listRules(networkId, tx));
    const row = await insertRule(tx, networkId, input, await nextPosition(tx, networkId));
    const rule = toRuleModel(row);
    await guard.check({ actor, meta, options: policy, change: `adding rule "${describeRule(rule)}"` });
    await bumpConfigRevision(tx, networkId);
    await recordAudit(tx, { actor, action: "rule.create", networkId, target: { type: "rule", id: rule.id, name: rule.description || `${rule.direction} ${rule.proto}/${rule.port}` }, after: rule, meta });
    await emitWebhookEvent(tx, networkId, "rules.changed", { change: "created", ruleId: rule.id, rule, actor: { id: actor.id, name: actor.displayName } });
    return rule;
  });
}

async function findRule(tx: Tx, networkId: string, ruleId: string): Promise<RuleRow> {
  const row = await tx.firewallRule.findFirst({ where: { id: ruleId, networkId }, include: ruleInclude });
  if (!row) throw new AppError("not_found", "Rule not found");
  return row;
}

export async function updateRule(actor: Actor, networkId: string, ruleId: string, input: RuleInput, meta: RequestMeta, policy: PolicyOptions = {}): Promise<FirewallRule> {
  return db.$transaction(async (tx) => {
    const guard = await policyGuard(tx, networkId, () => listRules(networkId, tx));
    const before = toRuleModel(await findRule(tx, networkId, ruleId));
    const { peerGroupIds, ...data } = await resolveRefs(tx, networkId, input);
    await tx.rulePeerGroup.deleteMany({ where: { ruleId } });
    const row = await tx.firewallRule.update({
      where: { id: ruleId },
      data: { ...data, peerGroups: { create: peerGroupIds.map((groupId) => ({ groupId })) } },
      include: ruleInclude,
    });
    const after = toRuleModel(row);
    await guard.check({ actor, meta, options: policy, change: `changing rule "${describeRule(before)}" to "${describeRule(after)}"` });
    await bumpConfigRevision(tx, networkId);
    await recordAudit(tx, { actor, action: "rule.update", networkId, target: { type: "rule", id: ruleId, name: after.description }, before, after, meta });
    await emitWebhookEvent(tx, networkId, "rules.changed", { change: "updated", ruleId, rule: after, actor: { id: actor.id, name: actor.displayName } });
    return after;
  });
}

export async function deleteRule(actor: Actor, networkId: string, ruleId: string, meta: RequestMeta, policy: PolicyOptions = {}): Promise<void> {
  await db.$transaction(async (tx) => {
    const guard = await policyGuard(tx, networkId, () => listRules(networkId, tx));
    const before = toRuleModel(await findRule(tx, networkId, ruleId));
    await tx.firewallRule.delete({ where: { id: ruleId } });
    await guard.check({ actor, meta, options: policy, change: `deleting rule "${describeRule(before)}"` });
    await bumpConfigRevision(tx, networkId);
    await recordAudit(tx, { actor, action: "rule.delete", networkId, target: { type: "rule", id: ruleId, name: before.description }, before, meta });
    await emitWebhookEvent(tx, networkId, "rules.changed", { change: "deleted", ruleId, rule: null, actor: { id: actor.id, name: actor.displayName } });
  });
}

/** Moves a rule one place up or down; order decides which rule a verdict names and the rendered order. */
export async function moveRule(actor: Actor, networkId: string, ruleId: string, direction: "up" | "down", meta: RequestMeta, policy: PolicyOptions = {}): Promise<FirewallRule[]> {
  return db.$transaction(async (tx) => {
    // Order never changes what is allowed (rules only allow), only which rule a verdict names; it
    // is checked all the same, so no path around the guard depends on that staying true.
    const guard = await policyGuard(tx, networkId, () => listRules(networkId, tx));
    const rows = await loadRuleRows(tx, networkId);
    const index = rows.findIndex((r) => r.id === ruleId);
    if (index < 0) throw new AppError("not_found", "Rule not found");
    const other = direction === "up" ? index - 1 : index + 1;
    if (other >= 0 && other < rows.length) {
      // Renumber densely, then swap: positions may have gaps after deletes.
      const ordered = rows.map((r) => r.id);
      [ordered[index], ordered[other]] = [ordered[other]!, ordered[index]!];
      for (const [position, id] of ordered.entries()) await tx.firewallRule.update({ where: { id }, data: { position } });
      await guard.check({ actor, meta, options: policy, change: `moving rule "${describeRule(toRuleModel(rows[index]!))}" ${direction}` });
      await bumpConfigRevision(tx, networkId);
      await recordAudit(tx, { actor, action: "rule.move", networkId, target: { type: "rule", id: ruleId, name: rows[index]!.description }, before: { position: index }, after: { position: other, direction }, meta });
      await emitWebhookEvent(tx, networkId, "rules.changed", { change: "moved", ruleId, rule: null, actor: { id: actor.id, name: actor.displayName } });
    }
    return listRules(networkId, tx);
  });
}

/** The ICMP switch: adds or removes the default "ping from anyone" inbound rule. */
export async function setInboundIcmp(actor: Actor, networkId: string, enabled: boolean, meta: RequestMeta, policy: PolicyOptions = {}): Promise<FirewallRule[]> {
  return db.$transaction(async (tx) => {
    const guard = await policyGuard(tx, networkId, () => listRules(networkId, tx));
    const rules = await listRules(networkId, tx);
    const existing = rules.filter(isInboundIcmpDefault);
    if (enabled && existing.length === 0) {
      await insertRule(tx, networkId, defaultRules[1]!, await nextPosition(tx, networkId));
    } else if (!enabled && existing.length > 0) {
      await tx.firewallRule.deleteMany({ where: { id: { in: existing.map((r) => r.id) } } });
    } else {
      return rules;
    }
    await guard.check({ actor, meta, options: policy, change: `turning inbound ping from any host ${enabled ? "on" : "off"}` });
    await bumpConfigRevision(tx, networkId);
    await recordAudit(tx, { actor, action: "rule.icmp", networkId, target: { type: "network", id: networkId }, before: { inboundIcmp: existing.length > 0 }, after: { inboundIcmp: enabled }, meta });
    await emitWebhookEvent(tx, networkId, "rules.changed", { change: "icmp", ruleId: null, inboundIcmp: enabled, rule: null, actor: { id: actor.id, name: actor.displayName } });
    return listRules(networkId, tx);
  });
}
