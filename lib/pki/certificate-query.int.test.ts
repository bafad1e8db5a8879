/**
 * The certificates page at fleet size: issued certificates searched, filtered by status and paged
 * in Postgres (the page, and GET .../certificates with query parameters), one network's never
 * showing in another's. Certificate rows are inserted directly, with lifetimes and revocations
 * that signing now could not produce (expired, inside the renewal window, revoked).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as certificates from "@/app/api/v1/networks/[networkId]/certificates/route";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { certificateQuerySchema, listCertificatesPage, type CertificatePage } from "./certificate-query";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const FILLERS = 40;
/** The row that shares its creation instant with the one before it. */
const TIE = 50;
const now = new Date();
const at = (offset: number) => new Date(now.getTime() + offset);

let admin: TestUser;
let networkId: string;
let otherId: string;
let prefix: string;
/** Network A's rows, newest first (the order the page promises). */
let expected: Array<{ id: string; name: string; ip: string; fingerprint: string }>;
const otherIds = new Set<string>();

interface Spec {
  name: string;
  /** Days: the lifetime's start and end relative to now. */
  from: number;
  to: number;
  groups?: string[];
  revoked?: boolean;
  nodeId?: string;
  fingerprint?: string;
}

/** The named certificates, each chosen to sit on one side of a status boundary. */
const named: Spec[] = [
  { name: "valid-1", from: -1, to: 364, groups: ["web"] },
  // 165 of 365 days left: more than a third, so not due yet.
  { name: "almost-due", from: -200, to: 165 },
  // 65 of 365 days left.
  { name: "due-long", from: -300, to: 65 },
  // 9 of 30 days left: due, although a year-long certificate with 9 days left is far more overdue.
  { name: "due-short", from: -21, to: 9 },
  // 11 of 30 days left: not due, although 11 days is well inside a year-long certificate's window.
  { name: "short-fresh", from: -19, to: 11, groups: ["web"] },
  { name: "due-soon", from: -30, to: 1 / 24 },
  { name: "expired-1", from: -31, to: -1 / 24 },
  { name: "revoked-live", from: -1, to: 364, revoked: true },
  { name: "revoked-expired", from: -400, to: -35, revoked: true },
  { name: "revoked-due", from: -300, to: 65, revoked: true },
  { name: "retired-host", from: -1, to: 364 },
  { name: "old-box", from: -1, to: 364 },
  // Starts with hex that is also a group's name; too short a search to be read as a fingerprint.
  { name: "hexy", from: -1, to: 364, fingerprint: `db${randomBytes(31).toString("hex")}` },
];

function row(network: string, caId: string, spec: Spec, index: number, createdAt: Date): Prisma.CertificateCreateManyInput {
  return {
    id: randomUUID(),
    networkId: network,
    caId,
    nodeId: spec.nodeId ?? null,
    name: spec.name,
    pem: "test certificate",
    publicKeyPem: "test key",
    fingerprint: spec.fingerprint ?? randomBytes(32).toString("hex"),
    notBefore: at(spec.from * DAY),
    notAfter: at(spec.to * DAY),
    ip: `${prefix}.${index + 1}/24`,
    groups: spec.groups ?? [],
    origin: "signed",
    revokedAt: spec.revoked ? at(-HOUR) : null,
    revokeReason: spec.revoked ? "test" : null,
    createdAt,
  };
}

const query = (q: Record<string, unknown>) => certificateQuerySchema.parse(q);

/** One page of network A, checked never to carry another network's certificate. */
async function pageOf(q: Record<string, unknown>): Promise<CertificatePage> {
  const page = await listCertificatesPage(networkId, query(q), now);
  expect(page.certificates.filter((c) => otherIds.has(c.id))).toEqual([]);
  return page;
}
const names = (page: CertificatePage) => page.certificates.map((c) => c.nodeName);

beforeAll(async () => {
  admin = await createTestUser();
  const cidr = freshCidr();
  prefix = cidr.split(".").slice(0, 3).join(".");
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "cert-net", cidr } })).json.network.id;
  otherId = (await call(networks.POST, "POST", { as: admin, body: { name: "other-net", cidr: freshCidr() } })).json.network.id;
  const caId = (await db.ca.findFirstOrThrow({ where: { networkId } })).id;
  const otherCaId = (await db.ca.findFirstOrThrow({ where: { networkId: otherId } })).id;
  // A node renamed since its certificate was signed: the page shows (and finds) its current name.
  const renamed = await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name: "renamed-box", groups: [] } });
  expect(renamed.status, JSON.stringify(renamed.json)).toBe(201);
  named.find((s) => s.name === "old-box")!.nodeId = renamed.json.node.id;

  const specs: Spec[] = [...named, ...Array.from({ length: FILLERS }, (_, i) => ({ name: `filler-${String(i).padStart(2, "0")}`, from: -1, to: 364, groups: i % 2 === 0 ? ["db"] : ["web"] }))];
  // One minute apart, newest first, except the 50th and 51st, which share an instant (ordered by
  // id) and straddle the boundary of pages of 10.
  const rows = specs.map((spec, i) => row(networkId, caId, spec, i, at(-(i === TIE ? TIE - 1 : i) * 60_000)));
  await db.certificate.createMany({ data: rows });
  expected = [...rows]
    .sort((a, b) => (b.createdAt as Date).getTime() - (a.createdAt as Date).getTime() || (a.id! < b.id! ? 1 : -1))
    .map((r) => ({ id: r.id!, name: r.name === "old-box" ? "renamed-box" : r.name, ip: r.ip, fingerprint: r.fingerprint }));

  // Another network's look-alikes: the same names, addresses, groups and fingerprint prefixes.
  const lookAlikes = [rows[2]!, rows[3]!, rows[FILLERS]!].map((r, i) => ({
    ...r,
    id: randomUUID(),
    networkId: otherId,
    caId: otherCaId,
    nodeId: null,
    fingerprint: `${r.fingerprint.slice(0, 20)}${randomBytes(22).toString("hex")}`,
    createdAt: at(i * 1000),
  }));
  await db.certificate.createMany({ data: lookAlikes });
  for (const r of lookAlikes) otherIds.add(r.id!);
}, 120_000);

describe("certificates searched and paged in the database", () => {
  it("pages newest first, ties by id, with the total; a page past the end is the last page", async () => {
    const first = await pageOf({ pageSize: 10 });
    expect(first.total).toBe(expected.length);
    expect(first.pages).toBe(Math.ceil(expected.length / 10));
    expect(first.certificates.map((c) => c.id)).toEqual(expected.slice(0, 10).map((e) => e.id));
    expect(expected.length).toBeGreaterThan(TIE + 1);
    const seen: string[] = [];
    for (let p = 1; p <= first.pages; p++) seen.push(...(await pageOf({ pageSize: 10, page: p })).certificates.map((c) => c.id));
    expect(seen).toEqual(expected.map((e) => e.id));
    const past = await pageOf({ pageSize: 10, page: 999 });
    expect(past.page).toBe(first.pages);
    expect(past.certificates.map((c) => c.id)).toEqual(expected.slice((first.pages - 1) * 10).map((e) => e.id));
    expect(past.certificates.length).toBe(expected.length % 10 || 10);
    const nothing = await pageOf({ q: "no-such-certificate", page: 3 });
    expect(nothing).toMatchObject({ total: 0, page: 1, pages: 1, certificates: [] });
  });

  it("searches node names, certificate names and groups, case-insensitively, taking % and _ literally", async () => {
    expect(names(await pageOf({ q: "DUE-" }))).toEqual(["due-long", "due-short", "due-soon"]);
    expect(names(await pageOf({ q: "renamed" }))).toEqual(["renamed-box"]);
    // The name it was signed with finds it too.
    expect(names(await pageOf({ q: "old-box" }))).toEqual(["renamed-box"]);
    expect(names(await pageOf({ q: "retired" }))).toEqual(["retired-host"]);
    const inDb = await pageOf({ q: "db", pageSize: 200 });
    expect(inDb.total).toBe(FILLERS / 2);
    expect(inDb.certificates.every((c) => c.groups.includes("db"))).toBe(true);
    const web = await pageOf({ q: "web", pageSize: 200 });
    expect(web.total).toBe(FILLERS / 2 + 2);
    expect(names(web)).toEqual(expect.arrayContaining(["valid-1", "short-fresh"]));
    // Part of a group's name, in any case, as on the nodes page.
    expect((await pageOf({ q: "We", pageSize: 200 })).certificates.map((c) => c.id)).toEqual(web.certificates.map((c) => c.id));
    expect((await pageOf({ q: "%" })).total).toBe(0);
    expect((await pageOf({ q: "_" })).total).toBe(0);
  });

  it("searches IP text prefixes and fingerprint prefixes", async () => {
    const one = `${prefix}.1`;
    const byIp = await pageOf({ q: one, pageSize: 200 });
    const startsWithOne = expected.filter((e) => e.ip.startsWith(one)).map((e) => e.id);
    // .1 and .10 to .19 (and .100+ if there were that many): a text prefix, as the brief asks.
    expect(startsWithOne.length).toBe(11);
    expect(byIp.certificates.map((c) => c.id)).toEqual(startsWithOne);
    expect((await pageOf({ q: `${one}/` })).certificates.map((c) => c.ip)).toEqual([`${one}/24`]);
    expect((await pageOf({ q: `${prefix}.` })).total).toBe(expected.length);

    const target = expected.find((e) => e.name === "due-long")!;
    expect((await pageOf({ q: target.fingerprint.slice(0, 10) })).certificates.map((c) => c.id)).toEqual([target.id]);
    expect((await pageOf({ q: target.fingerprint.slice(0, 12).toUpperCase() })).certificates.map((c) => c.id)).toEqual([target.id]);
    expect((await pageOf({ q: target.fingerprint })).certificates.map((c) => c.id)).toEqual([target.id]);
    // "hexy"'s fingerprint starts with "db", but a two-letter search is a name, not a fingerprint.
    expect(names(await pageOf({ q: "db", pageSize: 200 }))).not.toContain("hexy");
    const hexy = expected.find((e) => e.name === "hexy")!;
    expect(names(await pageOf({ q: hexy.fingerprint.slice(0, 8) }))).toEqual(["hexy"]);
  });

  it("filters by status: revoked first, then expired, then renewal due (a third of each one's own lifetime), the rest valid", async () => {
    const of = async (status: string) => pageOf({ status, pageSize: 200 });
    const [valid, due, expired, revoked] = await Promise.all([of("valid"), of("renewal-due"), of("expired"), of("revoked")]);
    expect(names(revoked)).toEqual(["revoked-live", "revoked-expired", "revoked-due"]);
    expect(revoked.certificates.every((c) => c.revokedAt !== null)).toBe(true);
    expect(names(expired)).toEqual(["expired-1"]);
    expect(expired.certificates.every((c) => c.expired && !c.revokedAt)).toBe(true);
    expect(names(due)).toEqual(["due-long", "due-short", "due-soon"]);
    expect(due.certificates.every((c) => c.renewalDue && !c.expired)).toBe(true);
    expect(names(valid).filter((n) => !n.startsWith("filler-"))).toEqual(["valid-1", "almost-due", "short-fresh", "retired-host", "renamed-box", "hexy"]);
    expect(valid.certificates.every((c) => !c.renewalDue && !c.expired && !c.revokedAt)).toBe(true);
    expect(valid.total + due.total + expired.total + revoked.total).toBe(expected.length);
    // Search and status together.
    expect(names(await pageOf({ q: "due", status: "renewal-due" }))).toEqual(["due-long", "due-short", "due-soon"]);
    expect(names(await pageOf({ q: "due", status: "valid" }))).toEqual(["almost-due"]);
  });

  it("keeps each network's certificates to itself", async () => {
    const other = await listCertificatesPage(otherId, query({ pageSize: 200 }), now);
    expect(other.total).toBe(otherIds.size);
    expect(other.certificates.every((c) => otherIds.has(c.id))).toBe(true);
    expect(names(await listCertificatesPage(otherId, query({ q: "due-long" }), now))).toEqual(["due-long"]);
  });

  it("answers the API with one page when asked, the old list otherwise, and refuses bad parameters", async () => {
    const paged = await call(certificates.GET, "GET", { as: admin, params: { networkId }, query: { q: "filler-", pageSize: "15", page: "3" } });
    expect(paged.status).toBe(200);
    expect(paged.json).toMatchObject({ total: FILLERS, page: 3, pageSize: 15, pages: 3 });
    expect(paged.json.certificates).toHaveLength(FILLERS - 30);
    const fingerprintOf = (name: string) => expected.find((e) => e.name === name)!.fingerprint;
    expect(paged.json.blocklist).toEqual(expect.arrayContaining([fingerprintOf("revoked-live"), fingerprintOf("revoked-due")]));
    expect(paged.json.blocklist).not.toContain(fingerprintOf("revoked-expired"));
    const due = await call(certificates.GET, "GET", { as: admin, params: { networkId }, query: { status: "renewal-due" } });
    expect(due.json.certificates.map((c: { nodeName: string }) => c.nodeName)).toEqual(["due-long", "due-short", "due-soon"]);

    const all = await call(certificates.GET, "GET", { as: admin, params: { networkId } });
    expect(all.status).toBe(200);
    expect(Object.keys(all.json).sort()).toEqual(["blocklist", "certificates"]);
    expect(all.json.certificates.map((c: { id: string }) => c.id)).toEqual(expected.map((e) => e.id));

    const bad = await call(certificates.GET, "GET", { as: admin, params: { networkId }, query: { pageSize: "5000", status: "toaster", page: "0" } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(["page", "pageSize", "status"]);
    const long = await call(certificates.GET, "GET", { as: admin, params: { networkId }, query: { q: "x".repeat(101) } });
    expect(long.status).toBe(400);
    expect(Object.keys(long.json.error.fields)).toEqual(["q"]);
  });
});
