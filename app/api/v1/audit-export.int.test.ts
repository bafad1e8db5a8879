/**
 * The audit export: the list's filters, RFC 4180 CSV with formula cells defused, JSON lines, a
 * streamed body read in batches, and another tenant's network answering 404.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as networks from "./networks/route";
import * as members from "./networks/[networkId]/members/route";
import * as networkExport from "./networks/[networkId]/audit/export/route";
import * as globalExport from "./audit/export/route";
import { db } from "@/lib/db/client";
import { auditExportStream } from "@/lib/audit/audit-export";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { CLIENT_IP_HEADER } from "@/lib/core/client-ip";

let owner: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let netA: string;
let netB: string;

const nasty = ['comma, and "quotes"', "two\nlines", '=HYPERLINK("http://evil.test","click")', "+1", "-1", "@SUM(A1)", "plain"];
const sameInstant = new Date("2026-01-02T03:04:05.678Z");

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function download(handler: Handler, as: TestUser, params: Record<string, string>, query: Record<string, string>) {
  const url = new URL("http://localhost/api/test");
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await handler(new Request(url, { headers: { cookie: as.cookie, [CLIENT_IP_HEADER]: "127.0.0.1" } }), { params: Promise.resolve(params) });
  return { res, text: await res.text() };
}

/** A strict RFC 4180 reader: quoted cells with doubled quotes, CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else if (ch === '"' || ch === "\n" || ch === "\r") throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else cell += ch;
    i++;
  }
  if (cell !== "" || row.length) throw new Error("the last record does not end in CRLF");
  return rows;
}

beforeAll(async () => {
  owner = await createTestUser({ name: "export-owner" });
  viewer = await createTestUser({ name: "export-viewer" });
  stranger = await createTestUser({ name: "export-stranger" });
  netA = (await call(networks.POST, "POST", { as: owner, body: { name: "export-a", cidr: freshCidr() } })).json.network.id;
  netB = (await call(networks.POST, "POST", { as: stranger, body: { name: "export-b", cidr: freshCidr() } })).json.network.id;
  await call(members.POST, "POST", { as: owner, params: { networkId: netA }, body: { userId: viewer.id, role: "viewer" } });
  // All at one instant: the batches' keyset must break the tie by id, or rows are lost or repeated.
  await db.auditEvent.createMany({
    data: nasty.map((name, i) => ({
      networkId: netA,
      actorName: "tester",
      action: "test.export",
      targetType: "thing",
      targetName: name,
      before: { n: i },
      after: { n: i + 1, note: name },
      createdAt: sameInstant,
    })),
  });
  await db.auditEvent.create({ data: { networkId: netB, actorName: "stranger", action: "test.export", targetType: "thing", targetName: "secret of B" } });
});

describe("audit export", () => {
  it("answers CSV as an attachment, quoted per RFC 4180, formulas defused, filter respected", async () => {
    const { res, text } = await download(networkExport.GET, viewer, { networkId: netA }, { format: "csv", action: "test.export" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-export-a-[0-9T-]+\.csv"$/);
    const [header, ...rows] = parseCsv(text);
    expect(header).toContain("targetName");
    const col = (name: string) => header!.indexOf(name);
    expect(rows).toHaveLength(nasty.length);
    expect(rows.every((r) => r[col("action")] === "test.export" && r[col("networkId")] === netA)).toBe(true);
    const names = rows.map((r) => r[col("targetName")]).sort();
    expect(names).toEqual(
      ['comma, and "quotes"', "two\nlines", `'=HYPERLINK("http://evil.test","click")`, "'+1", "'-1", "'@SUM(A1)", "plain"].sort(),
    );
    const plain = rows.find((r) => r[col("targetName")] === "plain")!;
    expect(JSON.parse(plain[col("after")]!)).toEqual({ n: 7, note: "plain" });
  });

  it("answers JSON lines, one object per line, with the filter applied", async () => {
    const { res, text } = await download(networkExport.GET, viewer, { networkId: netA }, { format: "jsonl", q: "lines" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/\.jsonl"$/);
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]!);
    // JSON carries the text as it is: only spreadsheets need the apostrophe.
    expect(event).toMatchObject({ targetName: "two\nlines", action: "test.export", before: { n: 1 }, networkId: netA });
  });

  it("streams every row exactly once across batches, even rows created at the same instant", async () => {
    const stream = auditExportStream({ networkIds: [netA] }, { action: "test.export" }, "jsonl", 2);
    const text = await new Response(stream).text();
    const ids = text.trimEnd().split("\n").map((l) => JSON.parse(l).id as string);
    expect(ids).toHaveLength(nasty.length);
    expect(new Set(ids).size).toBe(nasty.length);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it("refuses another tenant's network with 404, and leaves it out of the caller's own export", async () => {
    const other = await download(networkExport.GET, viewer, { networkId: netB }, { format: "csv" });
    expect(other.res.status).toBe(404);
    expect(JSON.parse(other.text).error.code).toBe("not_found");
    const mine = await download(globalExport.GET, viewer, {}, { format: "jsonl", action: "test.export" });
    const nets = new Set(mine.text.trimEnd().split("\n").map((l) => JSON.parse(l).networkId));
    expect([...nets]).toEqual([netA]);
  });

  it("refuses an unknown format and parameters the list does not know", async () => {
    expect((await download(networkExport.GET, viewer, { networkId: netA }, { format: "xlsx" })).res.status).toBe(400);
    expect((await download(networkExport.GET, viewer, { networkId: netA }, { page: "2" })).res.status).toBe(400);
  });
});
