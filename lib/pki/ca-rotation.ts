/**
 * CA rotation with overlap, so that no tunnel is lost beyond one re-handshake.
 *
 * A CA moves through `next` → `current` → `previous` → `retired` (Ca.state). Every CA but a
 * retired one is in each host's `pki.ca` bundle (lib/nodes/node-config.ts); only the current one
 * signs (certificate-service.ts activeCaWithKey). A rotation has three steps, in this order:
 *
 * 1. start (trust): the next CA is made with the current one's options and joins every bundle.
 *    Nothing is re-signed yet: a host presenting a certificate from the new CA can only talk to
 *    peers that already trust it, and that is known only once they have applied the bundle.
 * 2. switch: the next CA becomes current and signs; the replaced one stays trusted as `previous`.
 *    Refused (naming the hosts) while an active host has not applied a bundle carrying the new CA,
 *    unless forced. From then on each host hears "renewal due" and renews on its own, or an owner
 *    re-signs every host at once (its stored public key, in bounded batches).
 * 3. retire: the previous CA leaves every bundle. Refused (naming the hosts) until every active
 *    host has applied a certificate from the new CA, as its own reports say (Node.appliedCertId),
 *    and then for one lighthouse interval more (RETIRE_SETTLE_SECONDS). Nebula re-handshakes a
 *    tunnel on a certificate change only when traffic arrives on it; the tunnel between a host and
 *    its lighthouse carries traffic once per lighthouse interval (the host's update). Retiring
 *    sooner makes each host tear down its lighthouse tunnel (the lighthouse's certificate is still
 *    from the retired CA), and the lighthouse forgets the host until its next update: for up to a
 *    minute no new tunnel can reach it (measured in the lifecycle lab on 1.10.3: 24 s of failed
 *    handshakes to an idle peer). Tunnels between ordinary hosts need no wait: one torn down is
 *    rebuilt through the lighthouse on the next packet.
 *
 * A certificate replaced by the rotation is not blocklisted: it grants exactly what its successor
 * grants (same name, address, groups; the same key when re-signed here), and blocklisting it
 * would cut its host off from every peer that applies the blocklist before the host applies its
 * new certificate, and put every host's fingerprint in every config until it expired. It leaves
 * with its CA. Revocation stays instant: revoking, blocking or deleting a node revokes every
 * unrevoked certificate it has, the replaced one included.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { advisoryLock, db, transaction, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import { recordAudit, type AuditActor } from "@/lib/audit/record-audit";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { LIGHTHOUSE_INTERVAL_SECONDS } from "@/lib/config/render-node-config";
import { offlineAfterSeconds } from "@/lib/nodes/host-status";
import { signNodeAsStored } from "@/lib/nodes/node-service";
import { activeCaWithKey } from "./certificate-service";
import { caOptionsSchema, createCa } from "./certificate-authority";
import { lockOutRotation } from "./key-rotation";
import type { NebulaCert } from "./nebula-cert";

export const rotationStartSchema = z
  .object({
    name: caOptionsSchema.shape.name.optional(),
    durationDays: z.number().int().min(1, "At least one day").max(3650, "At most ten years").optional(),
  })
  .strict();
export type RotationStartInput = z.infer<typeof rotationStartSchema>;

export const rotationStepSchema = z
  .object({
    /** Switch even though some active hosts have not applied the bundle that trusts the new CA. */
    force: z.boolean().default(false),
  })
  .strict();
export type RotationStepInput = z.infer<typeof rotationStepSchema>;

/** How many hosts a refusal names; the rest are counted. */
export const NAMED_HOSTS = 10;
/** Hosts re-signed per transaction: each transaction is one config revision for the whole network. */
export const RESIGN_BATCH = 50;
/** Re-signed per request at most; the answer says how many remain (call again). */
export const RESIGN_PER_REQUEST = 1000;
/** A CA this close to its end is warned about (banner, fleet health, ca.expiring). */
export const CA_WARN_DAYS = [90, 30] as const;
/**
 * How long after the last host applied its new certificate the old CA may leave: one lighthouse
 * update, and two of nebula's tunnel checks (timers.connection_alive_interval, 5 s) for the
 * lighthouse to notice the traffic and re-handshake. See step 3 above.
 */
export const RETIRE_SETTLE_SECONDS = LIGHTHOUSE_INTERVAL_SECONDS + 2 * 5;

async function lockRotation(tx: Tx, networkId: string): Promise<void> {
  await advisoryLock(tx, `ca-rotation:${networkId}`);
}

/** "2 active hosts have not …: a, b" (the first NAMED_HOSTS names, then a count). */
function hostsLeftMessage(notDone: string, names: string[], total: number): string {
  const more = total > names.length ? ` and ${total - names.length} more` : "";
  return `${total} active host${total === 1 ? " has" : "s have"} ${notDone}: ${names.join(", ")}${more}`;
}

const caSummary = (ca: { id: string; name: string; fingerprint: string; notAfter: Date; state: string }) => ({ id: ca.id, name: ca.name, fingerprint: ca.fingerprint, notAfter: ca.notAfter.toISOString(), state: ca.state });

/** The CA name a rotation gives by default: the current one's, dated today. */
export function nextCaName(currentName: string, now = new Date()): string {
  // A CA named before the name rules (or after a network with other characters) still yields a valid name.
  const base = currentName.replace(/ \d{4}-\d{2}-\d{2}$/, "").replace(/[^A-Za-z0-9 ._-]/g, "-").trim() || "CA";
  const date = now.toISOString().slice(0, 10);
  return `${base.slice(0, 64 - date.length - 1).trimEnd()} ${date}`;
}

/**
 * Step 1: makes the next CA with the current one's options (certificate version, lifetime) and
 * puts it in every bundle. nebula-cert runs before the transaction, so its failure writes nothing.
 */
export async function startRotation(actor: AuditActor, networkId: string, input: RotationStartInput, meta: RequestMeta, runner?: NebulaCert) {
  const current = await db.ca.findFirst({ where: { networkId, state: "current" } });
  if (!current) throw new AppError("conflict", "This network has no current CA");
  const inProgress = await db.ca.findFirst({ where: { networkId, state: { in: ["next", "previous"] } }, select: { id: true } });
  if (inProgress) throw new AppError("conflict", "A CA rotation is already under way: retire the old CA first");
  const lifetimeDays = Math.round((current.notAfter.getTime() - current.notBefore.getTime()) / 86_400_000);
  const options = caOptionsSchema.parse({
    name: input.name ?? nextCaName(current.name),
    durationDays: input.durationDays ?? Math.min(3650, Math.max(1, lifetimeDays)),
    // The same certificate version as the CA it replaces: a v1 network may hold 1.6 hosts that cannot read v2.
    certVersion: current.version === 2 ? 2 : 1,
  });
  let made;
  try {
    made = await createCa(randomUUID(), options, runner);
  } catch (error) {
    console.error(`[ca-rotation] nebula-cert could not make the next CA for network ${networkId}: ${error instanceof Error ? error.message : String(error)}`);
    throw new AppError("conflict", "nebula-cert could not make the new CA; nothing was changed");
  }
  return transaction(async (tx) => {
    await lockOutRotation(tx);
    await lockRotation(tx, networkId);
    const clash = await tx.ca.findFirst({ where: { networkId, state: { in: ["next", "previous"] } }, select: { id: true } });
    if (clash) throw new AppError("conflict", "A CA rotation is already under way: retire the old CA first");
    await bumpConfigRevision(tx, networkId);
    const { configRevision } = await tx.network.findUniqueOrThrow({ where: { id: networkId }, select: { configRevision: true } });
    const ca = await tx.ca.create({ data: { ...made, networkId, state: "next", trustedFromRevision: configRevision } });
    await recordAudit(tx, {
      actor,
      action: "ca.rotation.start",
      networkId,
      target: { type: "ca", id: ca.id, name: ca.name },
      before: { current: caSummary(current) },
      after: { next: caSummary(ca), trustedFromRevision: configRevision },
      meta,
    });
    return caSummary(ca);
  });
}

/** Active hosts that have not applied a bundle carrying the next CA (their own reports say so). */
async function hostsNotTrusting(tx: Tx, networkId: string, trustedFromRevision: number) {
  const where = { networkId, status: "active" as const, OR: [{ appliedRevision: null }, { appliedRevision: { lt: trustedFromRevision } }] };
  const [total, named] = await Promise.all([tx.node.count({ where }), tx.node.findMany({ where, select: { name: true }, orderBy: { name: "asc" }, take: NAMED_HOSTS })]);
  return { total, names: named.map((n) => n.name) };
}

/** Makes the next CA current (it signs from now on); the replaced one stays trusted as previous. */
async function switchInTx(tx: Tx, actor: AuditActor, networkId: string, force: boolean, meta: RequestMeta): Promise<boolean> {
  const next = await tx.ca.findFirst({ where: { networkId, state: "next" } });
  if (!next) {
    if (await tx.ca.findFirst({ where: { networkId, state: "previous" }, select: { id: true } })) return false;
    throw new AppError("conflict", "No CA rotation is under way: start one first");
  }
  const left = await hostsNotTrusting(tx, networkId, next.trustedFromRevision ?? 0);
  if (left.total > 0 && !force) {
    throw new AppError("conflict", `${hostsLeftMessage("not yet applied the bundle that trusts the new CA", left.names, left.total)}. Wait for them, or force the switch (hosts re-signed before their peers trust the new CA cannot reach those peers)`);
  }
  const previous = await tx.ca.updateManyAndReturn({ where: { networkId, state: "current" }, data: { state: "previous" } });
  await tx.ca.update({ where: { id: next.id }, data: { state: "current", signingSince: new Date() } });
  // Every host renders again: those on the replaced CA now hear "renewal due".
  await bumpConfigRevision(tx, networkId);
  await recordAudit(tx, {
    actor,
    action: "ca.rotation.switch",
    networkId,
    target: { type: "ca", id: next.id, name: next.name },
    before: { current: previous.map(caSummary) },
    after: { current: caSummary({ ...next, state: "current" }), forced: left.total > 0, notYetTrusting: left.total },
    meta,
  });
  return true;
}

/** Step 2: the new CA signs from now on; hosts renew to it as they poll. */
export async function switchSigning(actor: AuditActor, networkId: string, input: RotationStepInput, meta: RequestMeta) {
  const switched = await transaction(async (tx) => {
    await lockRotation(tx, networkId);
    return switchInTx(tx, actor, networkId, input.force, meta);
  });
  return { switched, status: await rotationStatus(networkId) };
}

/**
 * Step 2, at once: switches if that has not happened, then re-signs every active host whose
 * newest certificate is from another CA, with the public key that certificate carries. One
 * transaction per batch: a nebula-cert failure undoes only its batch, and no host is left with a
 * half-made certificate.
 */
export async function resignAll(actor: AuditActor, networkId: string, input: RotationStepInput, meta: RequestMeta) {
  await transaction(async (tx) => {
    await lockRotation(tx, networkId);
    await switchInTx(tx, actor, networkId, input.force, meta);
  });
  let resigned = 0;
  for (;;) {
    const batch = await transaction(
      async (tx) => {
        await lockRotation(tx, networkId);
        const ca = await activeCaWithKey(tx, networkId);
        const nodes = await tx.$queryRaw<Array<{ id: string; name: string; publicKeyPem: string }>>`
          SELECT n.id::text, n.name, live."publicKeyPem" FROM "Node" n
          JOIN LATERAL (SELECT "caId", "publicKeyPem" FROM "Certificate" WHERE "nodeId" = n.id AND "revokedAt" IS NULL ORDER BY "createdAt" DESC LIMIT 1) live ON true
          WHERE n."networkId" = ${networkId}::uuid AND n.status = 'active' AND live."caId" <> ${ca.id}::uuid
          ORDER BY n.name LIMIT ${Math.min(RESIGN_BATCH, RESIGN_PER_REQUEST - resigned)}`;
        if (nodes.length === 0) return nodes;
        for (const node of nodes) {
          await signNodeAsStored(tx, networkId, node.id, node.publicKeyPem, undefined, { ca, keepSuperseded: true });
        }
        await bumpConfigRevision(tx, networkId);
        await recordAudit(tx, {
          actor,
          action: "ca.rotation.resign",
          networkId,
          target: { type: "ca", id: ca.id },
          after: { resigned: nodes.map((n) => n.name) },
          meta,
        });
        return nodes;
      },
      { timeout: 5 * 60_000 },
    );
    resigned += batch.length;
    if (batch.length === 0 || resigned >= RESIGN_PER_REQUEST) break;
  }
  const status = await rotationStatus(networkId);
  return { resigned, remaining: status.hosts.active - status.hosts.signedByNew, status };
}

/**
 * Step 3: the replaced CA leaves every bundle, once every active host has applied a certificate
 * from the new one. Its certificates still unrevoked are marked revoked ("CA retired") so that the
 * lists tell the truth; they stay off the blocklist, since no host trusts their CA any more.
 */
export async function retireOldCa(actor: AuditActor, networkId: string, meta: RequestMeta) {
  return transaction(async (tx) => {
    await lockRotation(tx, networkId);
    const cas = await tx.ca.findMany({ where: { networkId, state: { in: ["current", "next", "previous"] } }, orderBy: { createdAt: "asc" } });
    const incoming = cas.find((c) => c.state === "next") ?? (cas.some((c) => c.state === "previous") ? cas.find((c) => c.state === "current") : undefined);
    const outgoing = cas.filter((c) => c !== incoming && c.state !== "next");
    if (!incoming || outgoing.length === 0) throw new AppError("conflict", "No CA rotation is under way: there is no old CA to retire");
    const left = await hostsNotOn(tx, networkId, incoming.id);
    if (left.total > 0) {
      throw new AppError("conflict", `The old CA cannot be retired yet: ${hostsLeftMessage("not applied a certificate from the new CA", left.names, left.total)}`);
    }
    const settleLeft = await settleSecondsLeft(tx, networkId, incoming.id);
    if (settleLeft > 0) {
      throw new AppError(
        "conflict",
        `The old CA cannot be retired yet: every host has applied its new certificate, but the lighthouse tunnels re-key only on the hosts' next lighthouse update. Retire in ${settleLeft} s.`,
      );
    }
    const now = new Date();
    const outgoingIds = outgoing.map((c) => c.id);
    await tx.ca.updateMany({ where: { id: { in: outgoingIds } }, data: { state: "retired", retiredAt: now } });
    if (incoming.state !== "current") await tx.ca.update({ where: { id: incoming.id }, data: { state: "current", signingSince: incoming.signingSince ?? now } });
    const retiredCerts = await tx.certificate.updateMany({ where: { caId: { in: outgoingIds }, revokedAt: null }, data: { revokedAt: now, revokeReason: "CA retired" } });
    await bumpConfigRevision(tx, networkId);
    await recordAudit(tx, {
      actor,
      action: "ca.rotation.retire",
      networkId,
      target: { type: "ca", id: outgoing[0]!.id, name: outgoing[0]!.name },
      before: { retiring: outgoing.map(caSummary), current: caSummary(incoming) },
      after: { retired: outgoing.map((c) => c.fingerprint), current: caSummary({ ...incoming, state: "current" }), certificatesRetired: retiredCerts.count },
      meta,
    });
    return rotationStatus(networkId, tx);
  });
}

/** Active hosts whose applied bundle (as they reported it) does not carry a certificate from `caId`. */
async function hostsNotOn(tx: Pick<Tx, "$queryRaw">, networkId: string, caId: string) {
  const rows = await tx.$queryRaw<Array<{ name: string; total: number }>>`
    SELECT n.name, (count(*) OVER ())::int AS total FROM "Node" n
    LEFT JOIN "Certificate" ac ON ac.id = n."appliedCertId"
    WHERE n."networkId" = ${networkId}::uuid AND n.status = 'active' AND ac."caId" IS DISTINCT FROM ${caId}::uuid
    ORDER BY n.name LIMIT ${NAMED_HOSTS}`;
  return { total: rows[0]?.total ?? 0, names: rows.map((r) => r.name) };
}

/**
 * Seconds until the old CA may leave: RETIRE_SETTLE_SECONDS after the last active host applied a
 * certificate from the new CA (0 when that is past). Counted by the database's clock, which also
 * stamped appliedCertSince, so replicas' clocks do not matter. A host whose moment is unknown
 * (reported before the column existed) is taken as long settled.
 */
async function settleSecondsLeft(tx: Pick<Tx, "$queryRaw">, networkId: string, caId: string): Promise<number> {
  const [row] = await tx.$queryRaw<Array<{ left: number | null }>>`
    SELECT ceil(extract(epoch FROM max(n."appliedCertSince") + make_interval(secs => ${RETIRE_SETTLE_SECONDS}::float8) - now()))::int AS left
    FROM "Node" n JOIN "Certificate" ac ON ac.id = n."appliedCertId"
    WHERE n."networkId" = ${networkId}::uuid AND n.status = 'active' AND ac."caId" = ${caId}::uuid`;
  return Math.max(0, row?.left ?? 0);
}

export type RotationPhase = "none" | "trust" | "switched";

/**
 * The rotation's progress, counted only from what hosts confirmed: "on the new CA" means the
 * bundle the host reported applying carries a certificate from it; "trusting" means it applied a
 * bundle rendered at or after the revision that added the new CA. Offline is judged as the UI
 * judges it (lib/nodes/host-status.ts).
 */
export async function rotationStatus(networkId: string, client: Pick<Tx, "ca" | "network" | "$queryRaw"> = db) {
  const [cas, network] = await Promise.all([
    client.ca.findMany({ where: { networkId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    client.network.findUniqueOrThrow({ where: { id: networkId }, select: { pollSeconds: true } }),
  ]);
  const next = cas.find((c) => c.state === "next");
  const previous = cas.find((c) => c.state === "previous");
  const phase: RotationPhase = next ? "trust" : previous ? "switched" : "none";
  const incoming = next ?? (previous ? cas.find((c) => c.state === "current") : undefined);
  const offlineBefore = new Date(Date.now() - offlineAfterSeconds(network.pollSeconds) * 1000);
  const [aggregate] = await client.$queryRaw<Array<{ active: number; offline: number; trusting: number; onNew: number; signedByNew: number }>>`
    SELECT count(*)::int AS active,
      count(*) FILTER (WHERE n."lastSeenAt" IS NULL OR n."lastSeenAt" < ${offlineBefore})::int AS offline,
      count(*) FILTER (WHERE n."appliedRevision" >= ${incoming?.trustedFromRevision ?? 0})::int AS trusting,
      count(*) FILTER (WHERE ac."caId" = ${incoming?.id ?? null}::uuid)::int AS "onNew",
      count(*) FILTER (WHERE live."caId" = ${incoming?.id ?? null}::uuid)::int AS "signedByNew"
    FROM "Node" n
    LEFT JOIN "Certificate" ac ON ac.id = n."appliedCertId"
    LEFT JOIN LATERAL (SELECT "caId" FROM "Certificate" WHERE "nodeId" = n.id AND "revokedAt" IS NULL ORDER BY "createdAt" DESC LIMIT 1) live ON true
    WHERE n."networkId" = ${networkId}::uuid AND n.status = 'active'`;
  // An aggregate without GROUP BY always answers one row.
  const counts = aggregate!;
  const left = incoming ? await hostsNotOn(client, networkId, incoming.id) : { total: 0, names: [] };
  const retireInSeconds = incoming && left.total === 0 ? await settleSecondsLeft(client, networkId, incoming.id) : 0;
  const now = Date.now();
  return {
    phase,
    cas: cas.map((c) => ({
      id: c.id,
      name: c.name,
      fingerprint: c.fingerprint,
      version: c.version,
      state: c.state,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      daysLeft: Math.floor((c.notAfter.getTime() - now) / 86_400_000),
      trustedFromRevision: c.trustedFromRevision,
      signingSince: c.signingSince?.toISOString() ?? null,
      retiredAt: c.retiredAt?.toISOString() ?? null,
    })),
    newCaId: incoming?.id ?? null,
    hosts: incoming
      ? { ...counts, left: left.names, leftCount: left.total }
      : { ...counts, trusting: counts.active, onNew: 0, signedByNew: 0, left: [], leftCount: 0 },
    /** Switching is safe once every active host trusts the new CA (it can be forced before). */
    canSwitch: phase === "trust" && counts.trusting === counts.active,
    /** Seconds before retiring is allowed once every host moved (the lighthouse tunnels re-key meanwhile). */
    retireInSeconds,
    canRetire: phase !== "none" && left.total === 0 && retireInSeconds === 0,
  };
}
export type RotationStatus = Awaited<ReturnType<typeof rotationStatus>>;

/** CAs still trusted that end within the warning horizon, soonest first: for the banner and fleet health. */
export async function expiringCas(networkIds: string[], now = new Date(), client: Pick<Tx, "ca"> = db) {
  if (networkIds.length === 0) return [];
  const horizon = new Date(now.getTime() + CA_WARN_DAYS[0] * 86_400_000);
  const rows = await client.ca.findMany({
    where: { networkId: { in: networkIds }, state: { in: ["current", "previous"] }, notAfter: { lte: horizon } },
    select: { id: true, networkId: true, name: true, notAfter: true, state: true },
    orderBy: { notAfter: "asc" },
  });
  return rows.map((c) => ({ ...c, daysLeft: Math.floor((c.notAfter.getTime() - now.getTime()) / 86_400_000) }));
}
