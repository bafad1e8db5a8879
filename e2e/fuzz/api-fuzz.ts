/**
 * The API fuzz suite: Schemathesis generates requests for every operation in
 * /api/v1/openapi.json and checks that none answers 5xx and that every answer keeps to the
 * documented status codes, content types and schemas.
 *
 * Random ids would only ever meet 404s, so the suite first builds a real network through the API
 * (groups, nodes, a certificate, rules, links, reserved ranges, enrolled hosts) and hands those ids
 * to Schemathesis. Operations that destroy what they touch (deleting a network, a node; retiring or
 * renewing a host) get objects of their own, so they cannot pull the ground from under the rest.
 *
 * Every refused request (4xx) must leave the database as it was: the hooks (hooks.py) ask this
 * process for a digest of every table before and after each call.
 *
 * Run by scripts/run-tests.ts against a built app; prints one JSON line of counts at the end.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { db } from "@/lib/db/client";
import { createTestUser, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { defuseVerdictBanner } from "./verdict-banner";

const appUrl = (process.env.FUZZ_APP_URL ?? "").replace(/\/$/, "");
const schemathesis = process.env.SCHEMATHESIS_BIN ?? "";
const outDir = path.resolve(process.env.FUZZ_OUT_DIR ?? ".data/test/fuzz");
/** Examples per operation and phase: enough to find the classes of bug, bounded for CI's time. */
const maxExamples = Number(process.env.FUZZ_MAX_EXAMPLES ?? 15);

/**
 * Tables the replica's background jobs write at any moment, whatever the request: webhook
 * deliveries being retried, and the periodic checks' memory of host states and expiry notices.
 */
const BACKGROUND_TABLES = ["WebhookDelivery", "WebhookHostState", "WebhookCertNotice"];

/**
 * Tables whose rows a refused request may legitimately change: counters of refusals themselves
 * (rate limits and the login throttle count failures by design), and the sessions' last-seen
 * stamp that any authenticated request refreshes.
 */
const VOLATILE_TABLES = new Set(["RateCounter", "RateBackoff", "_prisma_migrations", "UserSession", ...BACKGROUND_TABLES]);

interface Fixture {
  admin: TestUser;
  ids: Record<string, string>;
  sacrificial: Record<string, string>;
  credentials: { poll: string; renew: string; retire: string };
}

async function api<T = Record<string, unknown>>(admin: TestUser, method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${appUrl}/api/v1${url}`, {
    method,
    headers: { cookie: admin.cookie, "x-csrf-token": admin.csrf, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`fixture: ${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** Create answers wrap the object in one key ({ network }, { node }, …); this unwraps it. */
async function create(admin: TestUser, url: string, body: unknown): Promise<{ id: string }> {
  const answer = await api<Record<string, unknown>>(admin, "POST", url, body);
  const created = Object.values(answer).find((v): v is { id: string } => typeof v === "object" && v !== null && typeof (v as { id?: unknown }).id === "string");
  if (!created) throw new Error(`fixture: POST ${url} answered no object with an id`);
  return created;
}

async function enroll(token: string, hostname: string): Promise<string> {
  const { publicKeyPem } = await hostKeyPair();
  const res = await fetch(`${appUrl}/api/v1/enroll`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, hostname, publicKeyPem }) });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`fixture: enroll answered ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { credential?: string };
  if (!body.credential) throw new Error("fixture: enrollment answered without a credential");
  return body.credential;
}

async function buildFixture(): Promise<Fixture> {
  const admin = await createTestUser({ systemRole: "admin", name: "fuzz-admin" });
  type WithId = { id: string };
  const network = await create(admin, "/networks", { name: "fuzz", cidr: "10.77.0.0/16" });
  const spareNetwork = await create(admin, "/networks", { name: "fuzz-spare", cidr: "10.78.0.0/16" });
  // Issue 12: CA rotation changes the whole network's trust, so its operations get a network of their own.
  const rotationNetwork = await create(admin, "/networks", { name: "fuzz-rotation", cidr: "10.79.0.0/16" });
  const N = `/networks/${network.id}`;
  const group = await create(admin, `${N}/groups`, { name: "web" });
  const spareGroup = await create(admin, `${N}/groups`, { name: "spare" });
  const { publicKeyPem } = await hostKeyPair();
  const node = await create(admin, `${N}/nodes`, { name: "fuzz-a", groups: ["web"], publicKeyPem });
  const spareNode = await create(admin, `${N}/nodes`, { name: "fuzz-spare" });
  const rule = await create(admin, `${N}/rules`, { direction: "inbound", port: "443", proto: "tcp", peer: { kind: "group", group: "web" }, description: "https" });
  const spareRule = await create(admin, `${N}/rules`, { direction: "inbound", port: "22", proto: "tcp", peer: { kind: "any" } });
  // Issue 12 policy tests: "denied" assertions on a port nothing opens, so fuzzed rule changes are rarely refused by them.
  const assertionBody = (port: string) => ({ from: { kind: "any" }, to: { kind: "group", group: "web" }, proto: "udp", port, expect: "denied" });
  const assertion = await create(admin, `${N}/policy/assertions`, assertionBody("53"));
  const spareAssertion = await create(admin, `${N}/policy/assertions`, assertionBody("54"));
  const range = await create(admin, `${N}/reserved-ranges`, { start: "10.77.200.0", end: "10.77.200.9" });
  const spareRange = await create(admin, `${N}/reserved-ranges`, { start: "10.77.201.0", end: "10.77.201.9" });
  const link = await api<{ link: WithId; token: string }>(admin, "POST", `${N}/links`, { maxUses: null, description: "fuzz hosts" });
  const spareLink = await create(admin, `${N}/links`, {});
  const certificates = await api<{ certificates: WithId[] }>(admin, "GET", `${N}/certificates?page=1`);
  const members = await api<{ members: WithId[] }>(admin, "GET", `${N}/members`);
  const credentials = { poll: await enroll(link.token, "fuzz-poll"), renew: await enroll(link.token, "fuzz-renew"), retire: await enroll(link.token, "fuzz-retire") };
  // Issue 11's objects: a webhook with one delivery, an API token, an invite, a second user.
  const webhookBody = { url: "https://hooks.example.com/nebula", events: ["node.enrolled", "rules.changed"] };
  const webhook = await create(admin, `${N}/webhooks`, webhookBody);
  const spareWebhook = await create(admin, `${N}/webhooks`, webhookBody);
  const { deliveryId } = await api<{ deliveryId: string }>(admin, "POST", `${N}/webhooks/${webhook.id}/test`);
  const tokenBody = { name: "fuzz", scopes: ["networks:read"] };
  const token = await create(admin, "/tokens", tokenBody);
  const spareToken = await create(admin, "/tokens", tokenBody);
  const invite = await create(admin, "/users/invites", { note: "fuzz" });
  const spareInvite = await create(admin, "/users/invites", { note: "fuzz spare" });
  const other = await createTestUser({ name: "fuzz-other" });
  const certificate = certificates.certificates[0];
  const member = members.members[0];
  if (!certificate || !member) throw new Error("fixture: the network has no certificate or member to fuzz with");
  return {
    admin,
    ids: { networkId: network.id, groupId: group.id, nodeId: node.id, ruleId: rule.id, rangeId: range.id, linkId: link.link.id, certificateId: certificate.id, memberId: member.id, webhookId: webhook.id, deliveryId, tokenId: token.id, inviteId: invite.id, userId: other.id, assertionId: assertion.id },
    sacrificial: { networkId: spareNetwork.id, groupId: spareGroup.id, nodeId: spareNode.id, ruleId: spareRule.id, rangeId: spareRange.id, linkId: spareLink.id, webhookId: spareWebhook.id, tokenId: spareToken.id, inviteId: spareInvite.id, assertionId: spareAssertion.id, rotationNetworkId: rotationNetwork.id },
    credentials,
  };
}

/** md5 of every row of every table but the volatile ones, in a stable order. */
async function databaseDigest(): Promise<string> {
  const tables = await db.$queryRaw<Array<{ name: string }>>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`;
  const parts: string[] = [];
  for (const { name } of tables) {
    if (VOLATILE_TABLES.has(name)) continue;
    const quoted = `"${name.replace(/"/g, '""')}"`;
    const rows = await db.$queryRawUnsafe<Array<{ digest: string | null }>>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ${quoted} t`);
    parts.push(`${name}:${rows[0]?.digest ?? "empty"}`);
  }
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}

function startDigestServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url !== "/digest") return void res.writeHead(404).end();
    databaseDigest().then(
      (digest) => res.writeHead(200, { "content-type": "text/plain" }).end(digest),
      (error) => res.writeHead(500).end(String(error)),
    );
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/digest` });
  }));
}

const tomlString = (s: string) => JSON.stringify(s);

/** The Schemathesis config: who calls, with which ids, and which objects the destroyers get. */
function configToml(f: Fixture): string {
  const params = (ids: Record<string, string>) => `{ ${Object.entries(ids).map(([k, v]) => `"path.${k}" = ${tomlString(v)}`).join(", ")} }`;
  const bearer = (credential: string) => `{ Authorization = ${tomlString(`Bearer ${credential}`)} }`;
  const destroyer = (method: string, route: string, ids: Record<string, string>) =>
    `[[operations]]\ninclude-name = ${tomlString(`${method} /api/v1${route}`)}\nparameters = ${params(ids)}\n`;
  const s = f.sacrificial;
  return [
    `headers = { Cookie = ${tomlString(f.admin.cookie)}, "x-csrf-token" = ${tomlString(f.admin.csrf)} }`,
    `parameters = ${params(f.ids)}`,
    `request-timeout = 30.0`,
    `workers = 1`,
    `generation.max-examples = ${maxExamples}`,
    `phases.stateful.enabled = false`,
    "",
    destroyer("DELETE", "/networks/{networkId}", { networkId: s.networkId! }),
    destroyer("DELETE", "/networks/{networkId}/groups/{groupId}", { ...f.ids, groupId: s.groupId! }),
    destroyer("DELETE", "/networks/{networkId}/nodes/{nodeId}", { ...f.ids, nodeId: s.nodeId! }),
    destroyer("POST", "/networks/{networkId}/nodes/{nodeId}/block", { ...f.ids, nodeId: s.nodeId! }),
    destroyer("DELETE", "/networks/{networkId}/rules/{ruleId}", { ...f.ids, ruleId: s.ruleId! }),
    destroyer("DELETE", "/networks/{networkId}/reserved-ranges/{rangeId}", { ...f.ids, rangeId: s.rangeId! }),
    destroyer("POST", "/networks/{networkId}/links/{linkId}/revoke", { ...f.ids, linkId: s.linkId! }),
    destroyer("DELETE", "/networks/{networkId}/webhooks/{webhookId}", { ...f.ids, webhookId: s.webhookId! }),
    destroyer("POST", "/tokens/{tokenId}/revoke", { tokenId: s.tokenId! }),
    destroyer("POST", "/users/invites/{inviteId}/revoke", { inviteId: s.inviteId! }),
    destroyer("DELETE", "/networks/{networkId}/policy/assertions/{assertionId}", { ...f.ids, assertionId: s.assertionId! }),
    ...["", "/switch", "/resign", "/retire"].map((step) => destroyer("POST", `/networks/{networkId}/ca/rotation${step}`, { networkId: s.rotationNetworkId! })),
    // The host routes authenticate with a node credential, not the session.
    `[[operations]]\ninclude-name = "GET /api/v1/node/config"\nheaders = ${bearer(f.credentials.poll)}\n`,
    // Random file names only ever meet 404; the real one reaches the code behind it.
    `[[operations]]\ninclude-name = "GET /api/v1/node/files/{file}"\nheaders = ${bearer(f.credentials.poll)}\nparameters = { "path.file" = "config.yml" }\n`,
    `[[operations]]\ninclude-name = "POST /api/v1/node/renew"\nheaders = ${bearer(f.credentials.renew)}\n`,
    `[[operations]]\ninclude-name = "POST /api/v1/node/retire"\nheaders = ${bearer(f.credentials.retire)}\n`,
  ].join("\n");
}

interface HookStats {
  calls: number;
  operations: Record<string, number>;
  statuses: Record<string, number>;
  serverErrors: string[];
  refusedButChanged: string[];
}

/** Runs Schemathesis, its output echoed (banners defused) and kept verbatim in schemathesis.log. */
function runSchemathesis(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = createWriteStream(path.join(outDir, "schemathesis.log"));
  const child = spawn(schemathesis, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  for (const [stream, sink] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    createInterface({ input: stream }).on("line", (line) => {
      log.write(`${line}\n`);
      sink.write(`${defuseVerdictBanner(line)}\n`);
    });
  }
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      log.end();
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function main() {
  if (!appUrl || !schemathesis) throw new Error("FUZZ_APP_URL and SCHEMATHESIS_BIN must be set");
  mkdirSync(outDir, { recursive: true });
  const fixture = await buildFixture();
  const digest = await startDigestServer();
  const configFile = path.join(outDir, "schemathesis.toml");
  const statsFile = path.join(outDir, "hook-stats.json");
  writeFileSync(configFile, configToml(fixture));
  const junit = path.join(outDir, "junit.xml");
  const checks = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance", "response_headers_conformance"];
  const started = Date.now();
  const code = await runSchemathesis(
    ["--config-file", configFile, "run", `${appUrl}/api/v1/openapi.json`, "--url", appUrl, "--checks", checks.join(","), "--phases", "examples,coverage,fuzzing", "--report", "junit", "--report-junit-path", junit, "--seed", "1", "--no-color"],
    { ...process.env, SCHEMATHESIS_HOOKS: "hooks", PYTHONPATH: path.join(import.meta.dirname), FUZZ_DIGEST_URL: digest.url, FUZZ_STATS_FILE: statsFile },
  );
  digest.server.close();
  const stats: HookStats = existsSync(statsFile) ? JSON.parse(readFileSync(statsFile, "utf8")) : { calls: 0, operations: {}, statuses: {}, serverErrors: [], refusedButChanged: [] };
  const junitText = existsSync(junit) ? readFileSync(junit, "utf8") : "";
  const failures = (junitText.match(/<failure\b/g) ?? []).length + (junitText.match(/<error\b/g) ?? []).length;
  // One <testcase> per operation Schemathesis tested; a failed one holds <failure> or <error>.
  const testcases = junitText.split("<testcase ").slice(1);
  const summary = {
    exitCode: code,
    operations: testcases.length,
    operationsFailed: testcases.filter((t) => /<(failure|error)\b/.test(t)).length,
    examples: stats.calls,
    statuses: stats.statuses,
    schemathesisFailures: failures,
    serverErrors: stats.serverErrors.length,
    refusedButChanged: stats.refusedButChanged.length,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  for (const line of stats.serverErrors.slice(0, 20)) console.error(`[fuzz] 5xx: ${line}`);
  for (const line of stats.refusedButChanged.slice(0, 20)) console.error(`[fuzz] refused but changed the database: ${line}`);
  console.log(`[fuzz] ${JSON.stringify(summary)}`);
  writeFileSync(path.join(outDir, "summary.json"), JSON.stringify(summary));
  await db.$disconnect();
  process.exit(code === 0 && summary.serverErrors === 0 && summary.refusedButChanged === 0 && summary.examples > 0 ? 0 : 1);
}

await main();
