/**
 * The agent's side of the API: authenticate a node credential, answer config polls (304 when
 * nothing changed, without rendering), and renew certificates (rotating the credential).
 */
import { createHash } from "node:crypto";
import DataLoader from "dataloader";
import { db, transaction } from "@/lib/db/client";
import { hotPathPool } from "@/lib/db/pg-pool";
import { RELAXED_COMMIT } from "@/lib/db/relaxed-commit";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import { recordAudit } from "@/lib/audit/record-audit";
import { removeNode, signNodeAsStored } from "@/lib/nodes/node-service";
import { isRenewalDue } from "@/lib/pki/sign-host";
import { addressLimitKey } from "@/lib/ratelimit/address-key";
import { assertUnder, countFailure, type Limit } from "@/lib/ratelimit/enforce-limit";
import { renderPolledConfig, type NodeConfigResult } from "@/lib/nodes/node-config";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { ANSWER_HEADERS, BLOCKED_MESSAGE, clampPollSeconds, GONE_MESSAGE, headerSafe, NEBULA_STATES, REPORT_HEADERS, type ConfigPayload, type NebulaState } from "@/lib/agent/protocol";
import { restartKeyOf } from "@/lib/agent/reload-decision";
import { capabilitiesOf, parseNebulaVersion } from "@/lib/config/nebula-versions";
import { generateToken, hashToken, looksLikeToken, NODE_CREDENTIAL_PREFIX } from "./tokens";

/** An unchanged report is written again once last-seen is older than this share of the poll interval. */
const REPORT_WRITE_FRACTION = 0.5;

export interface NodeAuth {
  nodeId: string;
  networkId: string;
  credentialId: string;
  status: "pending" | "active" | "blocked";
  renderedEtag: string | null;
  renderedRevision: number | null;
  lastSeenAt: Date | null;
  configRevision: number;
  pollSeconds: number;
  fetchedEtag: string | null;
  appliedEtag: string | null;
  nebulaState: string | null;
  nebulaVersion: string | null;
  agentVersion: string | null;
  lastError: string | null;
  /** The node's newest certificate, revoked or not: renewal needs it unrevoked. */
  certNotBefore: Date | null;
  certNotAfter: Date | null;
  certRevokedAt: Date | null;
  certId: string | null;
  /** The state of the CA that signed it: from a CA a rotation replaced ("previous" or "retired"), renewal is due at once. */
  certCaState: string | null;
}

/** A node credential's node, network and newest certificate, as authenticateNode reads them (and poll-recheck.ts, many at once). */
export const NODE_AUTH_COLUMNS = `n.id AS "nodeId", n."networkId", c.id AS "credentialId", c."revokedAt" IS NOT NULL AS "credentialRevoked", n.status::text AS status,
  n."renderedEtag", n."renderedRevision", n."lastSeenAt", net."configRevision", net."pollSeconds",
  n."fetchedEtag", n."appliedEtag", n."nebulaState", n."nebulaVersion", n."agentVersion", n."lastError",
  cert."notBefore" AS "certNotBefore", cert."notAfter" AS "certNotAfter", cert."revokedAt" AS "certRevokedAt",
  cert.id::text AS "certId", (SELECT ca.state::text FROM "Ca" ca WHERE ca.id = cert."caId") AS "certCaState"`;
export const NODE_AUTH_FROM = nodeAuthFrom("");

/** The FROM of the authentication query; `certColumns` adds columns of the newest certificate (as cert.*). */
export function nodeAuthFrom(certColumns: string): string {
  return `"NodeCredential" c JOIN "Node" n ON n.id = c."nodeId" JOIN "Network" net ON net.id = n."networkId"
  LEFT JOIN LATERAL (SELECT id, "caId", "notBefore", "notAfter", "revokedAt"${certColumns} FROM "Certificate" WHERE "nodeId" = n.id ORDER BY "createdAt" DESC LIMIT 1) cert ON true`;
}

/** authenticateNode's row: the node's auth, and whether the credential itself was revoked. */
export type NodeAuthRow = NodeAuth & { credentialRevoked: boolean };

/** Most credentials in one query; a larger burst is read in several. */
const AUTH_READ_BATCH = 500;

/**
 * Credential lookups asked for in the same turn of the event loop, read with one query (a named,
 * prepared statement on the plain pg pool: this runs for every poll of every node). A change
 * wakes thousands of held polls at once, and each host polls again the moment it has its answer:
 * one query per poll was most of a replica's database work then. A poll that comes alone waits
 * only for the end of its turn. Nothing is cached between turns: every poll reads the database.
 */
function nodeAuthReads(): DataLoader<string, NodeAuthRow | undefined> {
  const holder = globalThis as { __ncNodeAuthReads?: DataLoader<string, NodeAuthRow | undefined> };
  return (holder.__ncNodeAuthReads ??= new DataLoader(readNodeAuths, {
    cache: false,
    maxBatchSize: AUTH_READ_BATCH,
    // After the turn's I/O callbacks, not after the current one: polls arrive in callbacks of their own.
    batchScheduleFn: (run) => setImmediate(run),
  }));
}

async function readNodeAuths(tokenHashes: readonly string[]): Promise<Array<NodeAuthRow | undefined>> {
  const { rows } = await hotPathPool().query<NodeAuthRow & { tokenHash: string }>({
    name: "nc-node-auth-v4",
    text: `SELECT c."tokenHash", ${NODE_AUTH_COLUMNS} FROM ${NODE_AUTH_FROM} WHERE c."tokenHash" = ANY($1::text[])`,
    values: [[...new Set(tokenHashes)]],
  });
  const byHash = new Map(rows.map(({ tokenHash, ...auth }) => [tokenHash, auth]));
  // A copy each: two polls with one credential in the same turn must not share an object.
  return tokenHashes.map((hash) => {
    const auth = byHash.get(hash);
    return auth && { ...auth };
  });
}

const failureLimits = (meta: RequestMeta, tokenHash: string | null): Limit[] => [
  ...(meta.clientIp ? [{ key: addressLimitKey("cred-fail", meta.clientIp), windowSeconds: 300, max: 20 }] : []),
  ...(tokenHash ? [{ key: `cred-fail:token:${tokenHash}`, windowSeconds: 300, max: 5 }] : []),
];

/** The hash of the request's node credential, or null when it carries none that looks like one. */
export function credentialHashOf(req: Request): string | null {
  const header = req.headers.get("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  return looksLikeToken(token, NODE_CREDENTIAL_PREFIX) ? hashToken(token) : null;
}

/**
 * Bearer credential to node. The answers are distinct because the agents act on them: 401 (not a
 * valid credential: keep the config, back off), 403 node_blocked and 410 gone (stop for good).
 * Failures are counted per address and per token, in Postgres.
 */
export async function authenticateNode(req: Request, meta: RequestMeta): Promise<NodeAuth> {
  const tokenHash = credentialHashOf(req);
  const auth = tokenHash ? await nodeAuthReads().load(tokenHash) : undefined;
  // Blocking revokes the credentials too; the agent still deserves to hear why it was refused.
  if (auth?.status === "blocked") throw new AppError("node_blocked", BLOCKED_MESSAGE);
  if (!auth && tokenHash && (await db.retiredCredential.findUnique({ where: { tokenHash }, select: { tokenHash: true } }))) {
    throw new AppError("gone", GONE_MESSAGE);
  }
  if (!auth || auth.credentialRevoked) {
    // Limits are consulted only on failure, so the hot path (a valid poll) costs one query.
    await assertUnder(failureLimits(meta, tokenHash), "failed credential uses");
    await countFailure(failureLimits(meta, tokenHash));
    throw new AppError("unauthenticated", "This node credential is not valid (revoked or rotated). Enroll the node again.");
  }
  return auth;
}

export interface HostReport {
  fetched: string | null;
  /** Absent from agents that predate reports: then only `fetched` and last-seen are recorded. */
  applied: string | null | undefined;
  nebula: NebulaState | null;
  nebulaVersion: string | null;
  agent: string | null;
  error: string | null;
}

const etagPattern = /^"[0-9a-f]{1,64}"$/;

/** The host's own account of itself, from its request headers; anything malformed is dropped, not trusted. */
export function hostReportFrom(headers: Headers): HostReport {
  const get = (name: string, pattern: RegExp) => {
    const v = headers.get(name)?.trim() ?? "";
    return pattern.test(v) ? v : null;
  };
  const applied = headers.get(REPORT_HEADERS.applied);
  const nebula = headers.get(REPORT_HEADERS.nebula)?.trim() as NebulaState | undefined;
  return {
    fetched: get("if-none-match", etagPattern),
    applied: applied === null ? undefined : etagPattern.test(applied.trim()) ? applied.trim() : null,
    nebula: nebula && (NEBULA_STATES as readonly string[]).includes(nebula) ? nebula : null,
    nebulaVersion: get(REPORT_HEADERS.nebulaVersion, /^[0-9A-Za-z.+-]{1,32}$/),
    agent: get(REPORT_HEADERS.agent, /^[0-9A-Za-z./+-]{1,40}$/),
    error: headerSafe(headers.get(REPORT_HEADERS.error) ?? "") || null,
  };
}

/**
 * The poll path's writes: what a host reported, and the bundle last rendered for it. Each commits
 * without waiting for the disk (RELAXED_COMMIT): in a database crash, the last moments' reports
 * are lost and the hosts' next polls make them again (a lost render record costs one render).
 * Named (prepared) statements on the hot pool, as this runs for most polls of a fleet.
 */
export const REPORT_STATEMENTS = {
  legacyReport: {
    name: "nc-node-legacy-report-v2",
    text: `WITH ${RELAXED_COMMIT}
           UPDATE "Node" SET "lastSeenAt" = now(), "fetchedEtag" = $2, "nebulaVersion" = $3 FROM relaxed WHERE id = $1::uuid`,
  },
  reports: {
    name: "nc-node-reports-v4",
    // appliedCertSince moves only when the applied certificate changes (hence its CASE twice): CA
    // retirement waits from the moment the last host moved (lib/pki/ca-rotation.ts).
    text: `WITH ${RELAXED_COMMIT}
           UPDATE "Node" n SET "lastSeenAt" = now(), "fetchedEtag" = v.fetched,
             "appliedRevision" = CASE WHEN v.applied IS NULL THEN NULL
                                      WHEN v.applied = n."renderedEtag" THEN n."renderedRevision"
                                      WHEN v.applied = n."appliedEtag" THEN n."appliedRevision" ELSE NULL END,
             "appliedCertId" = CASE WHEN v.applied IS NULL THEN NULL
                                    WHEN v.applied = n."renderedEtag" THEN n."renderedCertId"
                                    WHEN v.applied = n."appliedEtag" THEN n."appliedCertId" ELSE NULL END,
             "appliedCertSince" = CASE WHEN v.applied IS NULL THEN NULL
                                       WHEN v.applied = n."renderedEtag" AND n."renderedCertId" IS DISTINCT FROM n."appliedCertId" THEN now()
                                       WHEN v.applied = n."renderedEtag" OR v.applied = n."appliedEtag" THEN n."appliedCertSince" ELSE NULL END,
             "appliedAt" = CASE WHEN v.applied IS DISTINCT FROM n."appliedEtag" THEN now() ELSE n."appliedAt" END,
             "appliedEtag" = v.applied, "nebulaState" = v.nebula, "nebulaVersion" = v.nebula_version,
             "agentVersion" = v.agent, "lastError" = v.error
           FROM relaxed, unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                AS v(id, fetched, applied, nebula, nebula_version, agent, error)
           WHERE n.id = v.id`,
  },
  rendered: {
    name: "nc-node-rendered-v4",
    text: `WITH ${RELAXED_COMMIT}
           UPDATE "Node" n SET "renderedEtag" = v.etag, "renderedRevision" = v.revision, "renderedCertId" = v.cert_id
           FROM relaxed, unnest($1::uuid[], $2::text[], $3::int[], $4::uuid[]) AS v(id, etag, revision, cert_id)
           WHERE n.id = v.id AND (n."renderedRevision" IS NULL OR n."renderedRevision" <= v.revision)`,
  },
} as const;

/**
 * Whether what the host reported must be written: when something changed, or when last-seen is
 * older than half the poll interval (so "offline" can be told within two intervals); otherwise a
 * poll stays one query.
 */
export function reportDue(auth: NodeAuth, report: HostReport): boolean {
  const writeAfterMs = auth.pollSeconds * 1000 * REPORT_WRITE_FRACTION;
  const stale = !auth.lastSeenAt || Date.now() - auth.lastSeenAt.getTime() >= writeAfterMs;
  if (stale || report.fetched !== auth.fetchedEtag) return true;
  if (report.applied === undefined) return false;
  return report.applied !== auth.appliedEtag || report.nebula !== auth.nebulaState || report.nebulaVersion !== auth.nebulaVersion || report.agent !== auth.agentVersion || report.error !== auth.lastError;
}

/**
 * Records what the host reported, when due. Conditional, so replicas racing on the same node
 * cannot undo each other's newer write.
 */
export async function recordReport(auth: NodeAuth, report: HostReport): Promise<void> {
  if (!reportDue(auth, report)) return;
  if (report.applied === undefined) {
    // The version too (such agents send none): otherwise a host once on a current agent would keep
    // its old version on record, and every poll would miss the cheap path (answerPoll).
    // On the plain pool, as every other write of the poll path: through Prisma it cost a fleet of
    // such agents more CPU than the rest of their polls (profiled under bench/fleet-scale.ts).
    await hotPathPool().query({ ...REPORT_STATEMENTS.legacyReport, values: [auth.nodeId, report.fetched, report.nebulaVersion] });
    return;
  }
  await recordReports([{ nodeId: auth.nodeId, report: { ...report, applied: report.applied } }]);
}

/**
 * Reports of hosts with current agents (that send what they applied), written in one statement.
 * The applied revision is known only when the host applied the bundle rendered last (or the one it
 * already reported).
 */
export async function recordReports(reports: Array<{ nodeId: string; report: HostReport & { applied: string | null } }>): Promise<void> {
  if (reports.length === 0) return;
  const column = <T>(pick: (r: HostReport & { applied: string | null }) => T) => reports.map((r) => pick(r.report));
  await hotPathPool().query({
    ...REPORT_STATEMENTS.reports,
    values: [
      reports.map((r) => r.nodeId),
      column((r) => r.fetched),
      column((r) => r.applied),
      column((r) => r.nebula),
      column((r) => r.nebulaVersion),
      column((r) => r.agent),
      column((r) => r.error),
    ],
  });
}

/**
 * The bundles just rendered for these nodes, recorded in one statement, so that their next poll is
 * a 304. Never older over newer: a write that arrives late (poll-recheck.ts answers first) leaves
 * a later render's record alone.
 */
export async function saveRendered(rendered: Array<{ nodeId: string; etag: string; revision: number; certId: string | null }>): Promise<void> {
  if (rendered.length === 0) return;
  await hotPathPool().query({
    ...REPORT_STATEMENTS.rendered,
    values: [rendered.map((r) => r.nodeId), rendered.map((r) => r.etag), rendered.map((r) => r.revision), rendered.map((r) => r.certId)],
  });
}

const dirPattern = /^\/[A-Za-z0-9._/-]{0,200}$/;

export function configDirFrom(url: URL): string {
  const dir = url.searchParams.get("dir") ?? "/etc/nebula";
  if (!dirPattern.test(dir) || dir.includes("..")) throw new AppError("validation_failed", "Some fields are not valid", { dir: ["Use an absolute directory path"] });
  return dir.replace(/\/$/, "") || "/";
}

export type PollResult = { kind: "not-modified"; etag: string; pollSeconds: number; networkId: string; revision: number } | { kind: "pending"; pollSeconds: number; networkId: string; revision: number } | { kind: "config"; etag: string; body: ConfigPayload };

/** The ETag covers everything the agent writes: the config and both PEMs. */
function bundleEtag(parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return `"${h.digest("hex").slice(0, 32)}"`;
}

/**
 * A certificate from a CA that a rotation replaced is due at once: the agent renews only after it
 * applied the bundle saying so, and that bundle already trusts the new CA.
 */
const fromReplacedCa = (auth: Pick<NodeAuth, "certCaState">) => auth.certCaState === "previous" || auth.certCaState === "retired";

const renewalDueFor = (auth: NodeAuth) =>
  auth.certNotBefore !== null && auth.certNotAfter !== null && auth.certRevokedAt === null && (fromReplacedCa(auth) || isRenewalDue({ notBefore: auth.certNotBefore, notAfter: auth.certNotAfter }));

export async function pollConfig(req: Request, meta: RequestMeta): Promise<PollResult> {
  const auth = await authenticateNode(req, meta);
  return answerPoll(auth, hostReportFrom(req.headers), new URL(req.url), {
    render: (dir, hostVersion) => renderPolledConfig(auth.networkId, auth.nodeId, dir, auth.configRevision, hostVersion),
    saveRendered: (etag, revision, certId) => saveRendered([{ nodeId: auth.nodeId, etag, revision, certId }]),
    recordReport: (report) => recordReport(auth, report),
  });
}

/**
 * How a poll's answer is rendered and recorded: for one node (pollConfig), or for many at once
 * with the writes gathered into single statements (poll-recheck.ts).
 */
export interface PollSteps {
  /** `hostVersion`: the nebula version this poll reports, which the config is written for. */
  render(dir: string, hostVersion: string | null): Promise<NodeConfigResult> | NodeConfigResult;
  saveRendered(etag: string, revision: number, certId: string | null): Promise<void>;
  recordReport(report: HostReport): Promise<void>;
}

/** A poll's answer for an authenticated node: 202 pending, 304 unchanged (without rendering when it can), or the bundle. */
export async function answerPoll(auth: NodeAuth, report: HostReport, url: URL, steps: PollSteps): Promise<PollResult> {
  const ifNoneMatch = report.fetched;
  const pollSeconds = clampPollSeconds(auth.pollSeconds);
  if (auth.status === "pending") {
    await steps.recordReport(report);
    return { kind: "pending", pollSeconds, networkId: auth.networkId, revision: auth.configRevision };
  }
  const dir = configDirFrom(url);
  // A certificate nearing its end must reach the agent even on a quiet network, so "renewal due"
  // is part of the ETag and bypasses the cheap path.
  const renewalDue = renewalDueFor(auth);
  // The cheap path: nothing in the network changed since this node's config was rendered, and the
  // host runs the nebula version it reported before (the config is written for that version; a
  // host that upgraded or downgraded must get its new keys, so it renders once and the report is stored).
  const sameVersion = report.nebulaVersion === auth.nebulaVersion;
  if (!renewalDue && sameVersion && ifNoneMatch && auth.renderedEtag === ifNoneMatch && auth.renderedRevision === auth.configRevision) {
    await steps.recordReport(report);
    return { kind: "not-modified", etag: ifNoneMatch, pollSeconds, networkId: auth.networkId, revision: auth.configRevision };
  }

  const rendered = await steps.render(dir, report.nebulaVersion);
  const etag = bundleEtag([rendered.yaml, rendered.caPem, rendered.certPem, dir, renewalDue ? "renewal-due" : ""]);
  if (etag !== auth.renderedEtag || rendered.revision !== auth.renderedRevision) {
    await steps.saveRendered(etag, rendered.revision, rendered.certId);
    auth.renderedEtag = etag;
    auth.renderedRevision = rendered.revision;
  }
  await steps.recordReport(report);
  if (ifNoneMatch === etag) return { kind: "not-modified", etag, pollSeconds, networkId: auth.networkId, revision: rendered.revision };
  return {
    kind: "config",
    etag,
    body: {
      etag,
      revision: rendered.revision,
      status: auth.status,
      config: rendered.yaml,
      ca: rendered.caPem,
      certificate: rendered.certPem,
      renewalDue,
      pollSeconds,
      restartKey: restartKeyOf(rendered.object, rendered.certNetworks, { unsafeRoutesReloadable: unsafeRoutesReloadOn(report.nebulaVersion) }),
      dns: rendered.dns,
    },
  };
}

/** The headers every poll answer carries, JSON or text. */
export function pollAnswerHeaders(result: PollResult): Record<string, string> {
  const seconds = result.kind === "config" ? result.body.pollSeconds : result.pollSeconds;
  const base: Record<string, string> = { [ANSWER_HEADERS.pollSeconds]: String(seconds), "cache-control": "no-store" };
  if (result.kind === "not-modified") return { ...base, etag: result.etag };
  if (result.kind === "pending") return base;
  return {
    ...base,
    etag: result.etag,
    [ANSWER_HEADERS.revision]: String(result.body.revision),
    [ANSWER_HEADERS.restartKey]: result.body.restartKey,
    [ANSWER_HEADERS.renewalDue]: String(result.body.renewalDue),
  };
}

/** A new certificate for the node's new public key; the credential rotates in the same transaction. */
export async function renewNode(req: Request, publicKeyPem: string, meta: RequestMeta) {
  const auth = await authenticateNode(req, meta);
  if (auth.status !== "active") throw new AppError("conflict", "Only an active node can renew its certificate");
  // A stolen credential must not undo a revocation: renewal continues an unrevoked certificate,
  // and only inside its renewal window.
  if (!auth.certNotBefore || !auth.certNotAfter || auth.certRevokedAt) {
    throw new AppError("forbidden", "This node's current certificate was revoked, so it cannot be renewed; an administrator must sign a new one or the host must enroll again");
  }
  const rotated = fromReplacedCa(auth);
  if (!rotated && !isRenewalDue({ notBefore: auth.certNotBefore, notAfter: auth.certNotAfter })) {
    throw new AppError("conflict", `This node's certificate is not due for renewal until a third of its lifetime is left (it expires ${auth.certNotAfter.toISOString()})`);
  }
  const credential = generateToken(NODE_CREDENTIAL_PREFIX);
  return transaction(async (tx) => {
    // Renewing away from a replaced CA keeps the old certificate off the blocklist (it leaves with
    // its CA): blocklisting it would cut this host off from every peer that applies the blocklist
    // before this host applies its new certificate (lib/pki/ca-rotation.ts).
    const { node, certificate } = await signNodeAsStored(tx, auth.networkId, auth.nodeId, publicKeyPem, "renewed", { keepSuperseded: rotated });
    // Rotate: the old credential stops working the moment the new one exists.
    const revoked = await tx.nodeCredential.updateMany({ where: { id: auth.credentialId, revokedAt: null }, data: { revokedAt: new Date() } });
    if (revoked.count !== 1) throw new AppError("conflict", "This credential was already used to renew; use the new one");
    await tx.nodeCredential.create({ data: { nodeId: node.id, tokenHash: hashToken(credential) } });
    await bumpConfigRevision(tx, auth.networkId);
    await recordAudit(tx, {
      actor: { id: null, displayName: `node ${node.name}` },
      action: rotated ? "certificate.renew-rotated" : "certificate.renew",
      networkId: auth.networkId,
      target: { type: "node", id: node.id, name: node.name },
      before: { notAfter: auth.certNotAfter },
      after: { fingerprint: certificate.fingerprint, notAfter: certificate.notAfter },
      meta,
    });
    return { credential, certificate: certificate.pem, notAfter: certificate.notAfter.toISOString() };
  });
}

/** A host replacing its own enrollment (install.sh --replace, nc-agent enroll --replace) deletes its old node. */
export async function retireNode(req: Request, meta: RequestMeta): Promise<void> {
  const auth = await authenticateNode(req, meta);
  await transaction(async (tx) => {
    const node = await tx.node.findUniqueOrThrow({ where: { id: auth.nodeId }, select: { name: true } });
    await removeNode(tx, { id: null, displayName: `node ${node.name} (replaced by its host)` }, auth.networkId, auth.nodeId, "node.retire", meta);
  });
}

/** Whether the host's nebula (as its poll reports it) reloads subnet routes on SIGHUP; unknown versions restart. */
function unsafeRoutesReloadOn(reported: string | null | undefined): boolean {
  const version = parseNebulaVersion(reported);
  return version !== null && capabilitiesOf(version).unsafeRoutesReload;
}
