/**
 * The agent's side of the API: authenticate a node credential, answer config polls (304 when
 * nothing changed, without rendering), and renew certificates (rotating the credential).
 */
import { createHash } from "node:crypto";
import { db, transaction } from "@/lib/db/client";
import { hotPathPool } from "@/lib/db/pg-pool";
import { ApiError } from "@/lib/api/api-error";
import type { RequestMeta } from "@/lib/api/with-network";
import { recordAudit } from "@/lib/audit/record-audit";
import { signNodeAsStored } from "@/lib/nodes/node-service";
import { isRenewalDue } from "@/lib/pki/sign-host";
import { assertUnder, countFailure, type Limit } from "@/lib/ratelimit/enforce-limit";
import { renderConfigFor } from "@/lib/nodes/node-config";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { generateToken, hashToken, looksLikeToken, NODE_CREDENTIAL_PREFIX } from "./tokens";

export const DEFAULT_POLL_SECONDS = 60;
/** Last-seen is written at most this often per node, so polls do not become writes. */
export const LAST_SEEN_RESOLUTION_SECONDS = 60;

interface NodeAuth {
  nodeId: string;
  networkId: string;
  credentialId: string;
  status: "pending" | "active" | "blocked";
  renderedEtag: string | null;
  renderedRevision: number | null;
  lastSeenAt: Date | null;
  configRevision: number;
  certNotBefore: Date | null;
  certNotAfter: Date | null;
}

const failureLimits = (meta: RequestMeta, tokenHash: string | null): Limit[] => [
  ...(meta.clientIp ? [{ key: `cred-fail:ip:${meta.clientIp}`, windowSeconds: 300, max: 20 }] : []),
  ...(tokenHash ? [{ key: `cred-fail:token:${tokenHash}`, windowSeconds: 300, max: 5 }] : []),
];

/** Bearer credential to node. Failures are counted per address and per token, in Postgres. */
export async function authenticateNode(req: Request, meta: RequestMeta): Promise<NodeAuth> {
  const header = req.headers.get("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  const tokenHash = looksLikeToken(token, NODE_CREDENTIAL_PREFIX) ? hashToken(token) : null;
  // A named (prepared) statement on a plain pg pool: this runs for every poll of every node.
  const rows = tokenHash
    ? (
        await hotPathPool().query<NodeAuth>({
          name: "nc-node-auth",
          text: `SELECT n.id AS "nodeId", n."networkId", c.id AS "credentialId", n.status::text AS status, n."renderedEtag", n."renderedRevision",
                        n."lastSeenAt", net."configRevision", cert."notBefore" AS "certNotBefore", cert."notAfter" AS "certNotAfter"
                 FROM "NodeCredential" c JOIN "Node" n ON n.id = c."nodeId" JOIN "Network" net ON net.id = n."networkId"
                 LEFT JOIN LATERAL (SELECT "notBefore", "notAfter" FROM "Certificate" WHERE "nodeId" = n.id AND "revokedAt" IS NULL ORDER BY "createdAt" DESC LIMIT 1) cert ON true
                 WHERE c."tokenHash" = $1 AND c."revokedAt" IS NULL`,
          values: [tokenHash],
        })
      ).rows
    : [];
  const auth = rows[0];
  if (!auth || auth.status === "blocked") {
    // Limits are consulted only on failure, so the hot path (a valid poll) costs one query.
    await assertUnder(failureLimits(meta, tokenHash), "failed credential uses");
    await countFailure(failureLimits(meta, tokenHash));
    throw new ApiError("unauthenticated", "This node credential is not valid (revoked, rotated or blocked). Enroll the node again.");
  }
  return auth;
}

async function touchLastSeen(auth: NodeAuth, runningEtag: string | null): Promise<void> {
  const stale = !auth.lastSeenAt || Date.now() - auth.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_SECONDS * 1000;
  if (!stale) return;
  // Conditional, so replicas racing on the same node write once.
  await db.$executeRaw`UPDATE "Node" SET "lastSeenAt" = now(), "runningEtag" = ${runningEtag}
    WHERE id = ${auth.nodeId}::uuid AND ("lastSeenAt" IS NULL OR "lastSeenAt" < now() - make_interval(secs => ${LAST_SEEN_RESOLUTION_SECONDS}))`;
}

const dirPattern = /^\/[A-Za-z0-9._/-]{0,200}$/;

export function configDirFrom(url: URL): string {
  const dir = url.searchParams.get("dir") ?? "/etc/nebula";
  if (!dirPattern.test(dir) || dir.includes("..")) throw new ApiError("validation_failed", "Some fields are not valid", { dir: ["Use an absolute directory path"] });
  return dir.replace(/\/$/, "") || "/";
}

export type PollResult =
  | { kind: "not-modified"; etag: string }
  | { kind: "pending" }
  | { kind: "config"; etag: string; body: { etag: string; revision: number; status: string; config: string; ca: string; certificate: string; renewalDue: boolean; pollSeconds: number } };

/** The ETag covers everything the agent writes: the config and both PEMs. */
function bundleEtag(parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return `"${h.digest("hex").slice(0, 32)}"`;
}

export async function pollConfig(req: Request, meta: RequestMeta): Promise<PollResult> {
  const auth = await authenticateNode(req, meta);
  const ifNoneMatch = req.headers.get("if-none-match");
  await touchLastSeen(auth, ifNoneMatch);
  if (auth.status === "pending") return { kind: "pending" };
  const dir = configDirFrom(new URL(req.url));
  // A certificate nearing its end must reach the agent even on a quiet network, so "renewal due"
  // is part of the ETag and bypasses the cheap path.
  const renewalDue = auth.certNotBefore !== null && auth.certNotAfter !== null && isRenewalDue({ notBefore: auth.certNotBefore, notAfter: auth.certNotAfter });
  // The cheap path: nothing in the network changed since this node's config was rendered.
  if (!renewalDue && ifNoneMatch && auth.renderedEtag === ifNoneMatch && auth.renderedRevision === auth.configRevision) return { kind: "not-modified", etag: ifNoneMatch };

  const rendered = await renderConfigFor(auth.networkId, auth.nodeId, { dir, revision: auth.configRevision });
  const etag = bundleEtag([rendered.yaml, rendered.caPem, rendered.certPem, dir, renewalDue ? "renewal-due" : ""]);
  if (etag !== auth.renderedEtag || rendered.revision !== auth.renderedRevision) {
    await db.node.update({ where: { id: auth.nodeId }, data: { renderedEtag: etag, renderedRevision: rendered.revision } });
  }
  if (ifNoneMatch === etag) return { kind: "not-modified", etag };
  return {
    kind: "config",
    etag,
    body: { etag, revision: rendered.revision, status: auth.status, config: rendered.yaml, ca: rendered.caPem, certificate: rendered.certPem, renewalDue, pollSeconds: DEFAULT_POLL_SECONDS },
  };
}

/** A new certificate for the node's new public key; the credential rotates in the same transaction. */
export async function renewNode(req: Request, publicKeyPem: string, meta: RequestMeta) {
  const auth = await authenticateNode(req, meta);
  if (auth.status !== "active") throw new ApiError("conflict", "Only an active node can renew its certificate");
  const credential = generateToken(NODE_CREDENTIAL_PREFIX);
  return transaction(async (tx) => {
    const { node, certificate } = await signNodeAsStored(tx, auth.networkId, auth.nodeId, publicKeyPem, "renewed");
    // Rotate: the old credential stops working the moment the new one exists.
    const revoked = await tx.nodeCredential.updateMany({ where: { id: auth.credentialId, revokedAt: null }, data: { revokedAt: new Date() } });
    if (revoked.count !== 1) throw new ApiError("conflict", "This credential was already used to renew; use the new one");
    await tx.nodeCredential.create({ data: { nodeId: node.id, tokenHash: hashToken(credential) } });
    await bumpConfigRevision(tx, auth.networkId);
    await recordAudit(tx, {
      actor: { id: null, displayName: `node ${node.name}` },
      action: "certificate.renew",
      networkId: auth.networkId,
      target: { type: "node", id: node.id, name: node.name },
      after: { fingerprint: certificate.fingerprint, notAfter: certificate.notAfter },
      meta,
    });
    return { credential, certificate: certificate.pem, notAfter: certificate.notAfter.toISOString() };
  });
}
