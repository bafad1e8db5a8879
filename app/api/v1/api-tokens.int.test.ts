/**
 * API tokens against the real route handlers and the real Postgres: every operation the OpenAPI
 * document offers to tokens refuses a token without its scope (403), a token limited to another
 * network (404), a revoked and an expired token (401); a token follows its owner's current role;
 * it is shown once and stored as a hash; the checksum is checked before any lookup; the audit
 * trail names the token; and the README's curl example works as written.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { allScopes, operationScopes, sessionOnlyOperations, type Scope } from "@/lib/auth/scopes";
import { checksumOf, hashApiToken } from "@/lib/auth/api-token-format";
import { db } from "@/lib/db/client";
import { CLIENT_IP_HEADER } from "@/lib/core/client-ip";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import * as networks from "./networks/route";
import * as network from "./networks/[networkId]/route";
import * as links from "./networks/[networkId]/links/route";
import * as audit from "./audit/route";
import * as users from "./users/route";
import * as tokens from "./tokens/route";
import * as tokenRevoke from "./tokens/[tokenId]/revoke/route";

type Handler = Parameters<typeof call>[0];
const root = import.meta.dirname;

/** The route module of an OpenAPI path such as /networks/{networkId}/links. */
async function handlerFor(apiPath: string, method: string): Promise<Handler> {
  const file = path.join(root, apiPath.replace(/\{(\w+)\}/g, "[$1]"), "route.ts");
  const mod = (await import(file)) as Record<string, Handler>;
  return mod[method.toUpperCase()]!;
}

/** Finds the operation an actual URL path (/api/v1/networks/<uuid>/links) belongs to, with its params. */
function matchPath(urlPath: string, templates: string[]): { template: string; params: Record<string, string> } {
  for (const template of templates) {
    const names: string[] = [];
    const re = new RegExp(`^/api/v1${template.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), "([^/]+)"))}$`);
    const m = re.exec(urlPath);
    if (m) return { template, params: Object.fromEntries(names.map((n, i) => [n, m[i + 1]!])) };
  }
  throw new Error(`no operation for ${urlPath}`);
}

/** A call with a bearer token; a body that is not JSON (a CSV export) comes back as text. */
async function bearer(handler: Handler, method: string, token: string, opts: Omit<NonNullable<Parameters<typeof call>[2]>, "as" | "csrf" | "rawBody"> = {}) {
  const url = new URL("http://localhost/api/test");
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { [CLIENT_IP_HEADER]: "127.0.0.1", authorization: `Bearer ${token}`, ...opts.headers };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await handler(new Request(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }), { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on response fields directly
  const json: any = (res.headers.get("content-type") ?? "").includes("json") && text ? JSON.parse(text) : text;
  return { status: res.status, json, headers: res.headers };
}

let alice: TestUser;
let bob: TestUser;
let netA: string;
let netB: string;

async function makeToken(as: TestUser, body: { name: string; scopes: readonly string[]; networkId?: string | null; expiresAt?: string | null }) {
  const r = await call(tokens.POST, "POST", { as, body });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json as { token: { id: string; prefix: string; status: string }; secret: string };
}

beforeAll(async () => {
  alice = await createTestUser({ name: "alice" });
  bob = await createTestUser({ name: "bob" });
  netA = (await call(networks.POST, "POST", { as: alice, body: { name: "tok-a", cidr: freshCidr() } })).json.network.id;
  netB = (await call(networks.POST, "POST", { as: alice, body: { name: "tok-b", cidr: freshCidr() } })).json.network.id;
});

afterEach(() => {
  delete process.env.NC_API_TOKEN_LIMIT_PER_MINUTE;
});

/**
 * Keycloak-only routes (group grants) answer 404 in local mode before any check; the walks below
 * run in Keycloak mode so that they reach the wrapper. Nothing here talks to Keycloak: test
 * sessions are not Keycloak sessions, and tokens never are.
 */
async function inKeycloakMode<T>(fn: () => Promise<T>): Promise<T> {
  const vars = { AUTH_MODE: "keycloak", KEYCLOAK_ISSUER: "http://127.0.0.1:9/realms/tokens-test", KEYCLOAK_CLIENT_ID: "nc", KEYCLOAK_CLIENT_SECRET: "s" };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe("every operation a token can call", () => {
  const doc = buildOpenApiDocument();
  const ops = Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.entries(item as Record<string, { security?: Array<Record<string, string[]>> }>).flatMap(([method, op]) => {
      const scope = op.security?.find((s) => "apiToken" in s)?.apiToken?.[0] as Scope | undefined;
      const apiPath = p.replace(/^\/api\/v1/, "");
      // An operation with neither is a gap lib/api/api-token-scopes.int.test.ts reports.
      const sessionOnly = sessionOnlyOperations.has(`${method.toUpperCase()} ${apiPath}`);
      return scope || sessionOnly ? [{ method: method.toUpperCase(), apiPath, scope, sessionOnly }] : [];
    }),
  );
  /** Any body: the refusals come before parsing. GET carries none. */
  const bodyFor = (method: string) => (method === "GET" ? {} : { body: {} });
  /** Ids that exist nowhere: every refusal below comes before the handler looks anything up. */
  const paramsFor = (apiPath: string, networkId: string) =>
    Object.fromEntries([...apiPath.matchAll(/\{(\w+)\}/g)].map(([, n]) => [n!, n === "networkId" ? networkId : randomUUID()]));

  it("finds them all in the document, the scoped ones as listed in lib/auth/scopes.ts", () => {
    const scoped = ops.filter((o) => o.scope);
    expect(scoped.length).toBeGreaterThanOrEqual(Object.keys(operationScopes).length);
    for (const [op, scope] of Object.entries(operationScopes)) expect(scoped.find((o) => `${o.method} ${o.apiPath}` === op)?.scope).toBe(scope);
    expect(ops.filter((o) => o.sessionOnly).map((o) => `${o.method} ${o.apiPath}`)).toEqual(expect.arrayContaining(["GET /tokens", "POST /tokens", "POST /tokens/{tokenId}/revoke"]));
  });

  it("refuses a token without the operation's scope (403), and any token on session-only operations", async () => {
    const allBut = new Map<Scope, string>();
    for (const scope of allScopes) allBut.set(scope, (await makeToken(alice, { name: `all-but-${scope}`, scopes: allScopes.filter((s) => s !== scope) })).secret);
    const everything = (await makeToken(alice, { name: "everything", scopes: allScopes })).secret;
    const failures: string[] = [];
    await inKeycloakMode(async () => {
      for (const op of ops) {
        const token = op.scope ? allBut.get(op.scope)! : everything;
        const r = await bearer(await handlerFor(op.apiPath, op.method), op.method, token, { params: paramsFor(op.apiPath, netA), ...bodyFor(op.method) });
        const expected = op.scope ? `This API token lacks the ${op.scope} scope` : "cannot be called with an API token";
        if (r.status !== 403 || !String(r.json?.error?.message).includes(expected)) failures.push(`${op.method} ${op.apiPath}: ${r.status} ${r.json?.error?.message}`);
      }
    });
    expect(failures).toEqual([]);
    expect(ops.length).toBeGreaterThan(45);
  });

  it("answers 404 on every network operation to a token limited to another network", async () => {
    const onlyB = (await makeToken(alice, { name: "only-b", scopes: allScopes, networkId: netB })).secret;
    const failures: string[] = [];
    await inKeycloakMode(async () => {
      for (const op of ops.filter((o) => o.scope && o.apiPath.startsWith("/networks/{networkId}"))) {
        const r = await bearer(await handlerFor(op.apiPath, op.method), op.method, onlyB, { params: paramsFor(op.apiPath, netA), ...bodyFor(op.method) });
        if (r.status !== 404 || r.json.error.message !== "Network not found") failures.push(`${op.method} ${op.apiPath}: ${r.status}`);
      }
    });
    expect(failures).toEqual([]);
  });

  it("answers 401 on every operation to a revoked token and to an expired one", async () => {
    const revoked = await makeToken(alice, { name: "revoked", scopes: allScopes });
    expect((await call(tokenRevoke.POST, "POST", { as: alice, params: { tokenId: revoked.token.id } })).json.token.status).toBe("revoked");
    const expired = await makeToken(alice, { name: "expired", scopes: allScopes, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await db.apiToken.update({ where: { id: expired.token.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const failures: string[] = [];
    await inKeycloakMode(async () => {
      for (const op of ops) {
        for (const [kind, token] of [["revoked", revoked.secret], ["expired", expired.secret]] as const) {
          const r = await bearer(await handlerFor(op.apiPath, op.method), op.method, token, { params: paramsFor(op.apiPath, netA), ...bodyFor(op.method) });
          if (r.status !== 401 || r.json.error.message !== `The API token is ${kind}`) failures.push(`${kind} ${op.method} ${op.apiPath}: ${r.status}`);
        }
      }
    });
    expect(failures).toEqual([]);
    // Both were refused before any use was recorded.
    const rows = await db.apiToken.findMany({ where: { id: { in: [revoked.token.id, expired.token.id] } } });
    expect(rows.map((r) => r.lastUsedAt)).toEqual([null, null]);
  });

  it("lets a token with only the operation's scope through, for every read of the network", async () => {
    const failures: string[] = [];
    await inKeycloakMode(async () => {
      for (const op of ops.filter((o) => o.scope && o.method === "GET" && !/\{(?!networkId\})/.test(o.apiPath))) {
        const token = (await makeToken(alice, { name: `only-${op.scope}`, scopes: [op.scope!] })).secret;
        const r = await bearer(await handlerFor(op.apiPath, op.method), op.method, token, { params: paramsFor(op.apiPath, netA) });
        // A read that needs a query (reachability, user search) answers 400 without one: past the token, role and network checks.
        const ok = r.status === 200 || (r.status === 400 && r.json.error.code === "validation_failed");
        if (!ok) failures.push(`${op.method} ${op.apiPath}: ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
      }
    });
    expect(failures).toEqual([]);
  });
});

describe("a token is its owner, narrowed", () => {
  it("loses an owner's rights at the next call once the owner is demoted to viewer", async () => {
    const net = (await call(networks.POST, "POST", { as: alice, body: { name: "demote-me", cidr: freshCidr() } })).json.network.id;
    const t = (await makeToken(alice, { name: "rename", scopes: ["networks:read", "networks:write"] })).secret;
    expect((await bearer(network.PATCH, "PATCH", t, { params: { networkId: net }, body: { name: "renamed-by-token" } })).status).toBe(200);
    await db.networkMember.updateMany({ where: { networkId: net, userId: alice.id }, data: { role: "viewer" } });
    const after = await bearer(network.PATCH, "PATCH", t, { params: { networkId: net }, body: { name: "again" } });
    expect(after.status).toBe(403);
    expect(after.json.error.message).toBe("This needs the admin role in this network");
    // Reading, which the viewer role allows, still works.
    expect((await bearer(network.GET, "GET", t, { params: { networkId: net } })).json.role).toBe("viewer");
  });

  it("never reaches a network its owner cannot see (404), whatever its scopes", async () => {
    const t = (await makeToken(bob, { name: "bob-all", scopes: allScopes })).secret;
    expect((await bearer(network.GET, "GET", t, { params: { networkId: netA } })).status).toBe(404);
  });

  it("limited to one network: lists only it, reads only its audit trail, creates no network, calls nothing that spans networks", async () => {
    const t = (await makeToken(alice, { name: "b-only", scopes: ["networks:read", "networks:write", "audit:read", "users:read"], networkId: netB })).secret;
    const list = await bearer(networks.GET, "GET", t);
    expect(list.json.networks.map((n: { id: string }) => n.id)).toEqual([netB]);
    const log = await bearer(audit.GET, "GET", t, { query: { pageSize: "200" } });
    expect(log.status).toBe(200);
    expect(new Set(log.json.events.map((e: { networkId: string }) => e.networkId))).toEqual(new Set([netB]));
    const create = await bearer(networks.POST, "POST", t, { body: { name: "nope", cidr: freshCidr() } });
    expect(create.status).toBe(403);
    expect(await db.network.count({ where: { name: "nope" } })).toBe(0);
    // A route that does not say it narrows itself to the token's network refuses such a token (fail closed).
    const search = await bearer(users.GET, "GET", t, { query: { q: "alice" } });
    expect(search.status).toBe(403);
    expect(search.json.error.message).toContain("limited to one network");
  });

  it("refuses a token whose owner was disabled (401)", async () => {
    const carol = await createTestUser({ name: "carol" });
    const t = (await makeToken(carol, { name: "c", scopes: ["networks:read"] })).secret;
    expect((await bearer(networks.GET, "GET", t)).status).toBe(200);
    await db.user.update({ where: { id: carol.id }, data: { disabledAt: new Date() } });
    expect((await bearer(networks.GET, "GET", t)).status).toBe(401);
  });

  it("takes the token over a session cookie sent with it, and needs no CSRF header", async () => {
    const t = (await makeToken(alice, { name: "read-only", scopes: ["networks:read"] })).secret;
    // Alice's cookie (with its CSRF token) could delete the network; the token she sent cannot.
    const r = await call(network.DELETE, "DELETE", { as: alice, params: { networkId: netB }, headers: { authorization: `Bearer ${t}` } });
    expect(r.status).toBe(403);
    expect(await db.network.count({ where: { id: netB } })).toBe(1);
  });

  it("leaves sessions alone: other Authorization schemes (a proxy's Basic auth) fall through to the cookie", async () => {
    const r = await call(networks.GET, "GET", { as: alice, headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(r.status).toBe(200);
  });
});

describe("the token itself", () => {
  it("is shown once: the create answer holds it, the list and the database only its prefix and hash", async () => {
    const made = await makeToken(alice, { name: "once", scopes: ["nodes:read"], networkId: netA });
    expect(made.secret).toMatch(/^ncp_[0-9A-Za-z]{49}$/);
    expect(made.token.prefix).toBe(made.secret.slice(0, 12));
    const list = await call(tokens.GET, "GET", { as: alice });
    expect(JSON.stringify(list.json)).not.toContain(made.secret);
    const listed = list.json.tokens.find((t: { id: string }) => t.id === made.token.id);
    expect(listed).toMatchObject({ name: "once", networkId: netA, networkName: "tok-a", scopes: ["nodes:read"], status: "active", lastUsedAt: null });
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: made.token.id }, omit: { tokenHash: false } });
    expect(row.tokenHash).toBe(hashApiToken(made.secret));
    expect(JSON.stringify(row)).not.toContain(made.secret.slice(12));
    // The default client leaves the hash out.
    expect(await db.apiToken.findUniqueOrThrow({ where: { id: made.token.id } })).not.toHaveProperty("tokenHash");
  });

  it("with a wrong checksum is refused before any lookup (401), even if a row with its hash existed", async () => {
    const random = "A".repeat(43);
    const good = `ncp_${random}${checksumOf(random)}`;
    const bad = `ncp_${random}${checksumOf(random) === "000000" ? "000001" : "000000"}`;
    // Rows for both: only the checksum can tell them apart, so a refusal of `bad` proves it was checked first.
    await db.apiToken.deleteMany({ where: { prefix: "ncp_AAAAAAAA" } });
    for (const secret of [good, bad]) {
      await db.apiToken.create({ data: { userId: alice.id, name: "planted", prefix: secret.slice(0, 12), tokenHash: hashApiToken(secret), scopes: ["networks:read"] } });
    }
    expect((await bearer(networks.GET, "GET", good)).status).toBe(200);
    const r = await bearer(networks.GET, "GET", bad);
    expect(r.status).toBe(401);
    expect(r.json.error.message).toBe("The API token is not valid");
    const stale = await db.apiToken.findFirstOrThrow({ where: { tokenHash: hashApiToken(bad) }, omit: { tokenHash: false } });
    expect(stale.lastUsedAt).toBeNull();
    expect((await bearer(networks.GET, "GET", "ncj_not-ours")).status).toBe(401);
  });

  it("records its last use (time and address) at most once a minute", async () => {
    const made = await makeToken(alice, { name: "used", scopes: ["networks:read"] });
    await bearer(networks.GET, "GET", made.secret, { headers: { "x-nc-client-ip": "192.0.2.7" } });
    const first = await db.apiToken.findUniqueOrThrow({ where: { id: made.token.id } });
    expect(first.lastUsedIp).toBe("192.0.2.7");
    expect(first.lastUsedAt).not.toBeNull();
    await bearer(networks.GET, "GET", made.secret, { headers: { "x-nc-client-ip": "192.0.2.8" } });
    const second = await db.apiToken.findUniqueOrThrow({ where: { id: made.token.id } });
    expect(second.lastUsedAt).toEqual(first.lastUsedAt);
    expect(second.lastUsedIp).toBe("192.0.2.7");
  });

  it("is rate limited per token (429 with Retry-After), not per owner", async () => {
    process.env.NC_API_TOKEN_LIMIT_PER_MINUTE = "3";
    const t = (await makeToken(alice, { name: "busy", scopes: ["networks:read"] })).secret;
    const other = (await makeToken(alice, { name: "quiet", scopes: ["networks:read"] })).secret;
    let limited: Awaited<ReturnType<typeof call>> | null = null;
    // At most 3 per minute: within 8 calls one is refused even if a minute boundary passes once.
    for (let i = 0; i < 8 && !limited; i++) {
      const r = await call(networks.GET, "GET", { headers: { authorization: `Bearer ${t}` } });
      if (r.status === 429) limited = r;
    }
    expect(limited?.json.error.code).toBe("rate_limited");
    const raw = await networks.GET(new Request("http://localhost/api/v1/networks", { headers: { authorization: `Bearer ${t}` } }), { params: Promise.resolve({}) });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await bearer(networks.GET, "GET", other)).status).toBe(200);
  });
});

describe("managing tokens", () => {
  it("validates the request: known scopes, a visible network, a future expiry", async () => {
    const r = await call(tokens.POST, "POST", { as: bob, body: { name: "x", scopes: ["nodes:read", "root:everything"], networkId: netA, expiresAt: "2001-01-01T00:00:00Z" } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields)).toEqual(expect.arrayContaining(["scopes.1"]));
    const r2 = await call(tokens.POST, "POST", { as: bob, body: { name: "x", scopes: ["nodes:read"], networkId: netA, expiresAt: "2001-01-01T00:00:00Z" } });
    expect(r2.status).toBe(400);
    expect(r2.json.error.fields).toEqual({ networkId: ["No such network"], expiresAt: ["Choose a time in the future"] });
    expect((await call(tokens.POST, "POST", { as: bob, body: { name: "x", scopes: [] } })).status).toBe(400);
  });

  it("revokes only the caller's own tokens, and a revoked token stops at once", async () => {
    const made = await makeToken(alice, { name: "short-lived", scopes: ["networks:read"] });
    expect((await bearer(networks.GET, "GET", made.secret)).status).toBe(200);
    expect((await call(tokenRevoke.POST, "POST", { as: bob, params: { tokenId: made.token.id } })).status).toBe(404);
    expect((await bearer(networks.GET, "GET", made.secret)).status).toBe(200);
    expect((await call(tokenRevoke.POST, "POST", { as: alice, params: { tokenId: made.token.id } })).status).toBe(200);
    expect((await bearer(networks.GET, "GET", made.secret)).status).toBe(401);
    expect((await call(tokens.GET, "GET", { as: bob })).json.tokens.map((t: { id: string }) => t.id)).not.toContain(made.token.id);
    const trail = await db.auditEvent.findMany({ where: { targetId: made.token.id }, orderBy: { createdAt: "asc" } });
    expect(trail.map((e) => [e.action, e.actorName])).toEqual([
      ["token.create", alice.displayName],
      ["token.revoke", alice.displayName],
    ]);
  });

  it("needs a session's CSRF token like every other mutation", async () => {
    expect((await call(tokens.POST, "POST", { as: alice, csrf: false, body: { name: "x", scopes: ["nodes:read"] } })).status).toBe(403);
  });
});

describe("the README's curl example", () => {
  /** Splits a shell command line the way sh would for these simple words: quotes, $VARIABLES. */
  function shellWords(line: string, env: Record<string, string>): string[] {
    const words: string[] = [];
    const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
    const expand = (s: string) => s.replace(/\$(\w+)|\$\{(\w+)\}/g, (_m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? "");
    for (const m of line.matchAll(re)) words.push(m[1] !== undefined ? m[1] : expand(m[2] ?? m[3]!));
    return words;
  }

  it("creates a join link with a token, replayed from README.md as written, and the audit trail says so", async () => {
    const readme = readFileSync(path.resolve(root, "../../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## API tokens"));
    const line = section.split("\n").find((l) => l.startsWith("curl ") && l.includes("Authorization: Bearer"));
    expect(line).toBeDefined();
    const made = await makeToken(alice, { name: "ci", scopes: ["links:create"], networkId: netA });
    const words = shellWords(line!, { NC_TOKEN: made.secret, NC_URL: "https://nc.example.test", NETWORK_ID: netA });
    expect(words[0]).toBe("curl");
    const headers: Record<string, string> = {};
    let body: string | undefined;
    let method: string | undefined;
    let url: string | undefined;
    for (let i = 1; i < words.length; i++) {
      const w = words[i]!;
      if (w === "-H") {
        const h = words[++i]!;
        headers[h.slice(0, h.indexOf(":")).trim().toLowerCase()] = h.slice(h.indexOf(":") + 1).trim();
      } else if (w === "-d" || w === "--data") body = words[++i];
      else if (w === "-X") method = words[++i];
      else if (!w.startsWith("-")) url = w;
      else throw new Error(`the test does not know curl's ${w}`);
    }
    method ??= body === undefined ? "GET" : "POST"; // curl's own rule
    const target = new URL(url!);
    const doc = buildOpenApiDocument();
    const { template, params } = matchPath(target.pathname, Object.keys(doc.paths).map((p) => p.replace(/^\/api\/v1/, "")));
    expect(`${method} ${template}`).toBe("POST /networks/{networkId}/links");
    const handler = await handlerFor(template, method);
    const res = await handler(new Request(target, { method, headers: { ...headers, "x-nc-client-ip": "203.0.113.9" }, body }), { params: Promise.resolve(params) });
    const json = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(201);
    expect(json.link.description).toBe("ci");
    expect(json.joinUrl).toMatch(/\/join\/ncj_/);
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "link.create", targetId: json.link.id } });
    expect(event.actorName).toBe(`${alice.displayName} via token ci`);
    expect(event.actorId).toBe(alice.id);
    expect(event.clientIp).toBe("203.0.113.9");
    // The links list (what the page shows) has it too.
    expect((await call(links.GET, "GET", { as: alice, params: { networkId: netA } })).json.links.some((l: { id: string }) => l.id === json.link.id)).toBe(true);
  });
});
