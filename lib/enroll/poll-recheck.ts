/**
 * Long polls woken by a change, answered many at once. A rule change wakes every waiting host of
 * the network together; answering them one by one would cost each an authentication query, a
 * node query, a render and two writes. Here a replica gathers the polls woken in the same turn of
 * the event loop and, per chunk of them, reads every node in one query, renders from the
 * network's cached snapshot (nodes alike share one rendered body), writes what was rendered and
 * reported in one statement each, and answers.
 *
 * The decisions are pollConfig's own (answerPoll); only the reads and writes are gathered. A poll
 * whose node is anything but plainly active with a certificate (blocked, pending, credential
 * revoked, …) takes pollConfig's path, so that its answer and its errors are exactly the usual.
 */
import type { RequestMeta } from "@/lib/core/request-meta";
import { hotPathPool } from "@/lib/db/pg-pool";
import { RENDER_FIELD_COLUMNS, renderFieldsFrom, renderFromSnapshot, snapshotFor, type RenderFieldRow } from "@/lib/nodes/node-config";
import {
  answerPoll,
  credentialHashOf,
  hostReportFrom,
  NODE_AUTH_COLUMNS,
  nodeAuthFrom,
  pollConfig,
  recordReport,
  recordReports,
  reportDue,
  saveRendered,
  type HostReport,
  type NodeAuth,
  type NodeAuthRow,
  type PollResult,
} from "./node-api";

/** Polls per query and write; small enough that the first hosts are answered in tens of milliseconds. */
const CHUNK_SIZE = 250;
/** Chunks in flight per replica: one rendering while the next one's query runs. */
const CHUNKS_AT_ONCE = 2;

interface Recheck {
  req: Request;
  meta: RequestMeta;
  tokenHash: string;
  resolve: (result: PollResult) => void;
  reject: (error: unknown) => void;
}

type RecheckRow = NodeAuthRow & RenderFieldRow & {
  tokenHash: string;
  certPem: string | null;
  certIp: string | null;
  certIp6: string | null;
  certUnsafeNetworks: string[] | null;
};

/**
 * authenticateNode's row for many credentials at once, with what rendering needs. The certificate
 * is the newest one; when that one is revoked the poll takes pollConfig's path instead.
 */
const RECHECK_QUERY = `SELECT c."tokenHash", ${NODE_AUTH_COLUMNS}, ${RENDER_FIELD_COLUMNS}, cert.pem AS "certPem", cert.ip AS "certIp", cert.ip6 AS "certIp6", cert."unsafeNetworks" AS "certUnsafeNetworks"
  FROM ${nodeAuthFrom(', pem, ip, ip6, "unsafeNetworks"')}
  WHERE c."tokenHash" = ANY($1::text[])`;

type Rendered = { nodeId: string; etag: string; revision: number; certId: string | null };
type Reported = { nodeId: string; report: HostReport & { applied: string | null } };

const state = ((globalThis as { __ncPollRechecks?: { gathering: Recheck[]; scheduled: boolean; chunks: Recheck[][]; running: number } }).__ncPollRechecks ??= {
  gathering: [],
  scheduled: false,
  chunks: [],
  running: 0,
});

/** pollConfig's answer for a woken poll, computed together with the other polls woken with it. */
export function recheckPoll(req: Request, meta: RequestMeta): Promise<PollResult> {
  const tokenHash = credentialHashOf(req);
  if (!tokenHash) return pollConfig(req, meta);
  return new Promise((resolve, reject) => {
    state.gathering.push({ req, meta, tokenHash, resolve, reject });
    if (!state.scheduled) {
      state.scheduled = true;
      // Every poll woken by one notification resumes before this runs.
      setImmediate(cutChunks);
    }
  });
}

function cutChunks(): void {
  state.scheduled = false;
  const gathered = state.gathering.splice(0);
  for (let i = 0; i < gathered.length; i += CHUNK_SIZE) state.chunks.push(gathered.slice(i, i + CHUNK_SIZE));
  startChunks();
}

function startChunks(): void {
  while (state.running < CHUNKS_AT_ONCE && state.chunks.length > 0) {
    const chunk = state.chunks.shift()!;
    state.running++;
    void answerChunk(chunk).finally(() => {
      state.running--;
      startChunks();
    });
  }
}

async function answerChunk(chunk: Recheck[]): Promise<void> {
  let rows: RecheckRow[];
  try {
    rows = (
      await hotPathPool().query<RecheckRow>({
        name: "nc-node-recheck-v5",
        text: RECHECK_QUERY,
        values: [chunk.map((r) => r.tokenHash)],
      })
    ).rows;
  } catch (error) {
    for (const item of chunk) item.reject(error);
    return;
  }
  const byHash = new Map(rows.map((row) => [row.tokenHash, row]));
  const rendered: Rendered[] = [];
  const reports: Reported[] = [];
  const legacyReports: Array<[NodeAuth, HostReport]> = [];
  const answered: Array<[Recheck, PollResult]> = [];
  for (const item of chunk) {
    const row = byHash.get(item.tokenHash);
    if (!row || row.credentialRevoked || row.status !== "active" || row.leaseAddress === null || row.certPem === null || row.certIp === null || row.certRevokedAt !== null) {
      pollConfig(item.req, item.meta).then(item.resolve, item.reject);
      continue;
    }
    try {
      const snapshot = await snapshotFor(row.networkId, row.configRevision, undefined);
      const node = renderFieldsFrom(row, { pem: row.certPem, ip: row.certIp, ip6: row.certIp6, unsafeNetworks: row.certUnsafeNetworks ?? [], id: row.certId ?? undefined }, snapshot.network.space);
      const result = await answerPoll(row, hostReportFrom(item.req.headers), new URL(item.req.url), {
        render: (dir, hostVersion) => renderFromSnapshot(snapshot, { ...node, nebulaVersion: hostVersion }, dir),
        saveRendered: async (etag, revision, certId) => void rendered.push({ nodeId: row.nodeId, etag, revision, certId }),
        recordReport: async (report) => {
          if (!reportDue(row, report)) return;
          if (report.applied === undefined) legacyReports.push([row, report]);
          else reports.push({ nodeId: row.nodeId, report: { ...report, applied: report.applied } });
        },
      });
      answered.push([item, result]);
    } catch (error) {
      item.reject(error);
    }
  }
  // Recorded before answering: a host polls again the moment it has its bundle, and that poll is
  // a 304 after one query only once its render is recorded (otherwise it renders again).
  await recordChunk(rendered, reports, legacyReports);
  for (const [item, result] of answered) item.resolve(result);
}

async function recordChunk(rendered: Rendered[], reports: Reported[], legacyReports: Array<[NodeAuth, HostReport]>): Promise<void> {
  try {
    // Rendered first: a report compares what the host applied with what was rendered last.
    await saveRendered(rendered);
    await recordReports(reports);
    await Promise.all(legacyReports.map(([auth, report]) => recordReport(auth, report)));
  } catch (error) {
    console.error(`[long-poll] recording ${rendered.length} woken polls' renders and reports failed (their next polls render again): ${error instanceof Error ? error.message : String(error)}`);
  }
}
