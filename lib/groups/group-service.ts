/** Groups: the names certificates carry and firewall rules select on. */
import { transaction, db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { recordAudit } from "@/lib/audit/record-audit";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { resignNode } from "@/lib/nodes/node-service";

export async function listGroups(networkId: string) {
  const rows = await db.group.findMany({
    where: { networkId },
    include: { _count: { select: { nodes: true, peerOf: true, appliesTo: true } } },
    orderBy: { name: "asc" },
  });
  return rows.map((g) => ({ id: g.id, name: g.name, description: g.description, nodeCount: g._count.nodes, ruleCount: g._count.peerOf + g._count.appliesTo }));
}

async function findGroup(tx: Tx, networkId: string, groupId: string) {
  const g = await tx.group.findFirst({ where: { id: groupId, networkId } });
  if (!g) throw new AppError("not_found", "Group not found");
  return g;
}

async function assertNameFree(tx: Tx, networkId: string, name: string) {
  if (await tx.group.findUnique({ where: { networkId_name: { networkId, name } } })) {
    throw new AppError("validation_failed", "Some fields are not valid", { name: [`A group named "${name}" already exists`] });
  }
}

export async function createGroup(actor: Actor, networkId: string, input: { name: string; description: string }, meta: RequestMeta) {
  return transaction(async (tx) => {
    await assertNameFree(tx, networkId, input.name);
    const group = await tx.group.create({ data: { networkId, ...input } });
    await recordAudit(tx, { actor, action: "group.create", networkId, target: { type: "group", id: group.id, name: group.name }, after: input, meta });
    return group;
  });
}

/**
 * Renaming changes every rule at once (rules hold the group's id) and re-signs the certificates of
 * the group's nodes, since the name is baked into them.
 */
export async function updateGroup(actor: Actor, networkId: string, groupId: string, input: { name?: string; description?: string }, meta: RequestMeta) {
  return transaction(async (tx) => {
    const before = await findGroup(tx, networkId, groupId);
    const renamed = input.name !== undefined && input.name !== before.name;
    if (renamed) await assertNameFree(tx, networkId, input.name!);
    const after = await tx.group.update({ where: { id: groupId }, data: input });
    if (renamed) {
      const members = await tx.node.findMany({ where: { networkId, status: "active", groups: { some: { groupId } } }, select: { id: true } });
      for (const member of members) await resignNode(tx, networkId, member.id);
      await bumpConfigRevision(tx, networkId);
    }
    await recordAudit(tx, { actor, action: "group.update", networkId, target: { type: "group", id: groupId, name: after.name }, before: { name: before.name, description: before.description }, after: { name: after.name, description: after.description }, meta });
    return after;
  });
}

/** Refused while nodes or rules use the group, naming them, so nothing is silently widened or narrowed. */
export async function deleteGroup(actor: Actor, networkId: string, groupId: string, meta: RequestMeta): Promise<void> {
  await transaction(async (tx) => {
    const group = await findGroup(tx, networkId, groupId);
    const nodes = await tx.node.findMany({ where: { networkId, groups: { some: { groupId } } }, select: { name: true }, take: 10, orderBy: { name: "asc" } });
    const rules = await tx.firewallRule.findMany({
      where: { networkId, OR: [{ appliesToGroupId: groupId }, { peerGroups: { some: { groupId } } }] },
      select: { position: true, description: true },
      orderBy: { position: "asc" },
    });
    const assertions = await tx.policyAssertion.count({ where: { networkId, OR: [{ fromGroupId: groupId }, { toGroupId: groupId }] } });
    if (nodes.length || rules.length || assertions) {
      const parts = [
        nodes.length ? `nodes ${nodes.map((n) => n.name).join(", ")}` : "",
        rules.length ? `rules ${rules.map((r) => `#${r.position + 1}${r.description ? ` (${r.description})` : ""}`).join(", ")}` : "",
        assertions ? `${assertions} policy assertion${assertions === 1 ? "" : "s"}` : "",
      ].filter(Boolean);
      throw new AppError("conflict", `Group "${group.name}" is still used by ${parts.join(" and ")}`);
    }
    await tx.group.delete({ where: { id: groupId } });
    await recordAudit(tx, { actor, action: "group.delete", networkId, target: { type: "group", id: groupId, name: group.name }, before: { name: group.name }, meta });
  });
}
