/**
 * Upgrades: a database made by the first release's migrations, holding that release's data (a
 * network with its sealed CA, a group, an enrolled node with its lease, certificate and agent
 * credential), takes the current migrations; then the current app still reads it, the CA still
 * signs, and the node's credential still polls.
 */
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgConfigFromUrl } from "./pg-config";
import { createCa } from "@/lib/pki/certificate-authority";
import { signHost } from "@/lib/pki/sign-host";
import { unsealCaKey } from "@/lib/pki/certificate-authority";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { generateToken, hashToken, NODE_CREDENTIAL_PREFIX } from "@/lib/enroll/tokens";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
/** What the first release (0.1.0) shipped. */
const FIRST_RELEASE = ["20261125000000_init", "20261125010000_networks_that_work", "20261125020000_enrollment"];

const base = process.env.DATABASE_URL!;
const dbName = `nc_upgrade_${randomBytes(4).toString("hex")}`;
const url = (() => {
  const u = new URL(base);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
let client: pg.Client;
const ids = { user: randomUUID(), network: randomUUID(), ca: randomUUID(), group: randomUUID(), node: randomUUID(), cert: randomUUID(), credential: randomUUID() };
const credential = generateToken(NODE_CREDENTIAL_PREFIX);
let oldCertPem = "";

async function deploy(schemaDir: string) {
  await run("npx", ["prisma", "migrate", "deploy", "--schema", path.join(schemaDir, "schema.prisma")], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, timeout: 180_000 });
}

beforeAll(async () => {
  const admin = new pg.Client(pgConfigFromUrl(base));
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();

  // The first release exactly: its migrations only, applied by the CLI as an operator would have.
  const old = mkdtempSync(path.join(tmpdir(), "nc-first-release-"));
  try {
    cpSync(path.join(ROOT, "prisma", "schema.prisma"), path.join(old, "schema.prisma"));
    cpSync(path.join(ROOT, "prisma", "migrations", "migration_lock.toml"), path.join(old, "migrations", "migration_lock.toml"));
    for (const m of FIRST_RELEASE) cpSync(path.join(ROOT, "prisma", "migrations", m), path.join(old, "migrations", m), { recursive: true });
    await deploy(old);
  } finally {
    rmSync(old, { recursive: true, force: true });
  }

  // That release's data, in that release's shape (raw SQL: today's client knows only today's schema).
  client = new pg.Client(pgConfigFromUrl(url));
  await client.connect();
  const ca = await createCa(ids.ca, { name: "upgrade CA", durationDays: 365, certVersion: 1 });
  const keys = await hostKeyPair();
  const signed = await signHost({ ca: { certPem: ca.certPem, keyPem: unsealCaKey(ca), notAfter: ca.notAfter, version: 1 }, name: "old-host", ipWithPrefix: "10.77.0.2/24", groups: ["web"], publicKeyPem: keys.publicKeyPem, durationHours: 24 * 30 });
  oldCertPem = signed.certPem;
  const q = (text: string, values: unknown[]) => client.query(text, values);
  await q(`INSERT INTO "User" (id, issuer, subject, email, "displayName", "systemRole") VALUES ($1, 'local', 'old-admin', 'old@example.test', 'Old Admin', 'admin')`, [ids.user]);
  await q(`INSERT INTO "Network" (id, name, cidr, "createdById", "configRevision", "certVersion", "nebulaTarget", "leaseCursor") VALUES ($1, 'old net', '10.77.0.0/24', $2, 3, 1, 'v1_6', 0)`, [ids.network, ids.user]);
  await q(`INSERT INTO "NetworkMember" (id, "networkId", "userId", role) VALUES (gen_random_uuid(), $1, $2, 'owner')`, [ids.network, ids.user]);
  await q(`INSERT INTO "Ca" (id, "networkId", name, "certPem", "keyCiphertext", fingerprint, "notBefore", "notAfter", version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)`, [ids.ca, ids.network, ca.name, ca.certPem, ca.keyCiphertext, ca.fingerprint, ca.notBefore, ca.notAfter]);
  await q(`INSERT INTO "Group" (id, "networkId", name) VALUES ($1, $2, 'web')`, [ids.group, ids.network]);
  await q(`INSERT INTO "Node" (id, "networkId", name, status, "lastSeenAt", "renderedEtag", "renderedRevision", "runningEtag", "updatedAt") VALUES ($1, $2, 'old-host', 'active', now(), '"abc"', 3, '"abc"', now())`, [ids.node, ids.network]);
  await q(`INSERT INTO "NodeGroup" ("nodeId", "groupId") VALUES ($1, $2)`, [ids.node, ids.group]);
  await q(`INSERT INTO "Lease" (id, "networkId", address, "nodeId") VALUES (gen_random_uuid(), $1, $2, $3)`, [ids.network, (10 << 24) + (77 << 16) + 2, ids.node]);
  await q(
    `INSERT INTO "Certificate" (id, "networkId", "nodeId", "caId", name, pem, "publicKeyPem", fingerprint, "notBefore", "notAfter", ip, groups, origin) VALUES ($1, $2, $3, $4, 'old-host', $5, $6, $7, $8, $9, '10.77.0.2/24', '{web}', 'signed')`,
    [ids.cert, ids.network, ids.node, ids.ca, signed.certPem, keys.publicKeyPem, signed.details.fingerprint, signed.details.notBefore, signed.details.notAfter],
  );
  await q(`INSERT INTO "NodeCredential" (id, "nodeId", "tokenHash") VALUES ($1, $2, $3)`, [ids.credential, ids.node, hashToken(credential)]);

  // Now the upgrade: every migration of this build.
  await deploy(path.join(ROOT, "prisma"));
}, 300_000);

afterAll(async () => {
  await client?.end();
  const admin = new pg.Client(pgConfigFromUrl(base));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
});

describe("upgrading from the first release", () => {
  it("applies every migration this build ships on top of the first release's", async () => {
    const { rows } = await client.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`);
    const shipped = readdirSync(path.join(ROOT, "prisma", "migrations"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(rows.map((r) => r.migration_name)).toEqual(shipped);
    expect(shipped.length).toBeGreaterThan(FIRST_RELEASE.length);
  });

  it("keeps the node's data, carried into the new columns: what its agent last fetched, and the network's default poll interval", async () => {
    const node = (await client.query(`SELECT "fetchedEtag", "appliedEtag", name FROM "Node" WHERE id = $1`, [ids.node])).rows[0];
    expect(node).toEqual({ fetchedEtag: '"abc"', appliedEtag: null, name: "old-host" });
    expect((await client.query(`SELECT "pollSeconds" FROM "Network" WHERE id = $1`, [ids.network])).rows[0].pollSeconds).toBe(60);
  });

  it("still works with today's app: the CA signs, the old credential polls, and the node shows as behind until its agent reports", async () => {
    // Today's app code, pointed at the upgraded database: its modules read DATABASE_URL on first use,
    // and this file (its own process) has used none of them before.
    process.env.DATABASE_URL = url;
    const { renderConfigFor } = await import("@/lib/nodes/node-config");
    const { getNode, signNodeAsStored } = await import("@/lib/nodes/node-service");
    const { transaction, db } = await import("@/lib/db/client");
    const configRoute = await import("@/app/api/v1/node/config/route");
    try {
      const res = await configRoute.GET(new Request("http://localhost/api/v1/node/config", { headers: { authorization: `Bearer ${credential}`, "x-nc-client-ip": "198.51.100.9" } }), { params: Promise.resolve({}) });
      const body = (await res.json()) as { config: string; certificate: string };
      const rendered = await renderConfigFor(ids.network, ids.node);
      const resigned = await transaction((tx) => signNodeAsStored(tx, ids.network, ids.node, null, "upgrade test"));
      const view = await getNode(ids.network, ids.node);
      const result = { status: res.status, hasConfig: body.config.includes("old-host"), oldCertificate: body.certificate === oldCertPem && rendered.certPem === oldCertPem, signedBy: resigned.certificate.caId, host: view.host.state };
      expect(result).toEqual({ status: 200, hasConfig: true, oldCertificate: true, signedBy: ids.ca, host: "behind" });
    } finally {
      await db.$disconnect();
      const { hotPathPool } = await import("@/lib/db/pg-pool");
      await hotPathPool().end();
      process.env.DATABASE_URL = base;
    }
  });
});
