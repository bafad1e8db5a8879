/**
 * A simulated fleet for the HTTP benchmarks (fleet, propagation), made in seconds: the network and
 * its CA through the app's own services, then every node's rows bulk-inserted with SQL (nodes,
 * leases, node credentials as SHA-256 of tokens made here, and one certificate row each).
 * Signing 10,000 certificates would take minutes, so `realCertificates` are signed with the
 * network's CA through the app's signHost and every node gets a copy of one of them (a render
 * needs a non-revoked certificate row and a lease, and only serves the PEM). Node 0 is a lighthouse,
 * as in every real network, so renders carry a static host map.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { db } from "@/lib/db/client";
import { generateToken, hashToken, NODE_CREDENTIAL_PREFIX } from "@/lib/enroll/tokens";
import { intToIpv4, ipv4ToInt } from "@/lib/ipam/cidr";
import { unsealCaKey } from "@/lib/pki/certificate-authority";
import { hostCertHours } from "@/lib/pki/certificate-service";
import { signHost, type SignedHost } from "@/lib/pki/sign-host";
import { benchActor, benchNetwork, publicKeys } from "./app-fixtures";
import { forEachParallel } from "./measure";

const LIGHTHOUSE = { endpoint: "198.51.100.1:4242", port: 4242 };

export interface FleetNode {
  id: string;
  name: string;
  address: number;
  credential: string;
  etag: string | null;
}

/** The network with its CA, `realCertificates` signed for real, then every row in bulk. */
export async function createFleet(opts: { name: string; cidr: string; count: number; realCertificates: number }): Promise<{ networkId: string; nodes: FleetNode[] }> {
  const actor = await benchActor();
  const network = await benchNetwork(actor, opts.name, opts.cidr);
  const [first, prefix] = opts.cidr.split("/");
  const base = ipv4ToInt(first!);
  const nodes: FleetNode[] = Array.from({ length: opts.count }, (_, i) => ({
    id: randomUUID(),
    name: `fleet-${i}`,
    address: base + 1 + i,
    credential: generateToken(NODE_CREDENTIAL_PREFIX),
    etag: null,
  }));
  const ca = await db.ca.findFirstOrThrow({ where: { networkId: network.id, state: "current" }, omit: { keyCiphertext: false } });
  const signed = await signSome(nodes.slice(0, opts.realCertificates), Number(prefix), { certPem: ca.certPem, keyPem: unsealCaKey(ca), notAfter: ca.notAfter, version: ca.version });
  await insertRows(network.id, ca.id, nodes, signed, Number(prefix));
  return { networkId: network.id, nodes };
}

async function signSome(nodes: FleetNode[], prefix: number, ca: { certPem: string; keyPem: string; notAfter: Date; version: number }): Promise<SignedHost[]> {
  const keys = await publicKeys(nodes.length);
  const signed = new Array<SignedHost>(nodes.length);
  await forEachParallel(nodes.length, 2, async (i) => {
    const node = nodes[i]!;
    signed[i] = await signHost({ ca, name: node.name, ipWithPrefix: `${intToIpv4(node.address)}/${prefix}`, groups: [], publicKeyPem: keys[i]!, durationHours: hostCertHours() });
  });
  return signed;
}

/** One statement per table, arrays unnested by Postgres: 10,000 rows in a few seconds. */
async function insertRows(networkId: string, caId: string, nodes: FleetNode[], signed: SignedHost[], prefix: number): Promise<void> {
  const sql = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await sql.connect();
  try {
    await sql.query("BEGIN");
    const ids = nodes.map((n) => n.id);
    await sql.query(
      `INSERT INTO "Node" (id, "networkId", name, endpoints, status, "updatedAt")
       SELECT t.id, $1::uuid, t.name, '{}', 'active', now() FROM unnest($2::uuid[], $3::text[]) AS t(id, name)`,
      [networkId, ids, nodes.map((n) => n.name)],
    );
    // One lighthouse, as every real network has: renders then carry a static host map.
    await sql.query(`UPDATE "Node" SET "isLighthouse" = true, endpoints = $2::text[], "listenPort" = $3 WHERE id = $1::uuid`, [ids[0], [LIGHTHOUSE.endpoint], LIGHTHOUSE.port]);
    await sql.query(
      `INSERT INTO "Lease" (id, "networkId", address, "nodeId")
       SELECT gen_random_uuid(), $1::uuid, t.address, t.node FROM unnest($2::bigint[], $3::uuid[]) AS t(address, node)`,
      [networkId, nodes.map((n) => n.address), ids],
    );
    await sql.query(`UPDATE "Network" SET "leaseCursor" = $2 WHERE id = $1::uuid`, [networkId, nodes[nodes.length - 1]!.address + 1]);
    await sql.query(
      `INSERT INTO "NodeCredential" (id, "nodeId", "tokenHash")
       SELECT gen_random_uuid(), t.node, t.hash FROM unnest($1::uuid[], $2::text[]) AS t(node, hash)`,
      [ids, nodes.map((n) => hashToken(n.credential))],
    );
    await insertCertificates(sql, networkId, caId, nodes, signed, prefix);
    await sql.query("COMMIT");
    // Fresh statistics, as a database that grew to this size over time would have; the planner chooses by them.
    await sql.query(`ANALYZE "Node", "Lease", "NodeCredential", "Certificate"`);
  } catch (error) {
    await sql.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await sql.end();
  }
}

/** Node i gets real certificate i % signed.length; copies get a unique made-up fingerprint (the column is unique). */
async function insertCertificates(sql: pg.Client, networkId: string, caId: string, nodes: FleetNode[], signed: SignedHost[], prefix: number): Promise<void> {
  const source = nodes.map((_, i) => (i % signed.length) + 1);
  const fingerprints = nodes.map((_, i) => {
    const real = signed[i % signed.length]!.details.fingerprint;
    return i < signed.length ? real : `${real}-bench-copy-${i}`;
  });
  await sql.query(
    `INSERT INTO "Certificate" (id, "networkId", "nodeId", "caId", name, pem, "publicKeyPem", fingerprint, "notBefore", "notAfter", ip, groups, origin)
     SELECT gen_random_uuid(), $1::uuid, t.node, $2::uuid, t.name, r.pem, r.pub, t.fingerprint, r.not_before, r.not_after, t.ip, '{}', 'signed'
     FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[]) AS t(node, name, fingerprint, ip, source)
     JOIN unnest($8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[]) WITH ORDINALITY AS r(pem, pub, not_before, not_after, ord) ON r.ord = t.source`,
    [
      networkId,
      caId,
      nodes.map((n) => n.id),
      nodes.map((n) => n.name),
      fingerprints,
      nodes.map((n) => `${intToIpv4(n.address)}/${prefix}`),
      source,
      signed.map((s) => s.certPem),
      signed.map((s) => s.publicKeyPem),
      signed.map((s) => s.details.notBefore),
      signed.map((s) => s.details.notAfter),
    ],
  );
}
