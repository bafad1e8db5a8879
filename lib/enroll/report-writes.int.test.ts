/**
 * The poll path's writes (REPORT_STATEMENTS) commit without waiting for the disk, and only they:
 * each statement turns synchronous_commit off for its own transaction, which this test sees from
 * inside a transaction it rolls back. The enrollment's write, which must be durable, leaves it on.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import { pgConfigFromUrl } from "@/lib/db/pg-config";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { REPORT_STATEMENTS } from "./node-api";

let client: pg.Client;
let nodeId: string;

beforeAll(async () => {
  const admin = await createTestUser();
  const networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "report-writes", cidr: freshCidr() } })).json.network.id;
  const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: {} });
  const enrolled = await call(enrollRoute.POST, "POST", { body: { token: link.json.token, hostname: "reporter", publicKeyPem: (await hostKeyPair()).publicKeyPem }, headers: { "x-nc-client-ip": "203.0.113.77" } });
  expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
  nodeId = enrolled.json.nodeId;
  client = new pg.Client(pgConfigFromUrl(process.env.DATABASE_URL));
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

/** synchronous_commit before and after running `statement` in one transaction (rolled back), and the rows it changed. */
async function commitModeAround(statement: { text: string }, values: unknown[]) {
  await client.query("BEGIN");
  try {
    const before = (await client.query<{ synchronous_commit: string }>("SHOW synchronous_commit")).rows[0]!.synchronous_commit;
    const changed = (await client.query(statement.text, values)).rowCount;
    const after = (await client.query<{ synchronous_commit: string }>("SHOW synchronous_commit")).rows[0]!.synchronous_commit;
    return { before, changed, after };
  } finally {
    await client.query("ROLLBACK");
  }
}

describe("the poll path's writes", () => {
  it("each commit without waiting for the disk, and still write their row", async () => {
    const etag = `"${"ab".repeat(32)}"`;
    expect(await commitModeAround(REPORT_STATEMENTS.legacyReport, [nodeId, etag, "1.10.3"])).toEqual({ before: "on", changed: 1, after: "off" });
    expect(await commitModeAround(REPORT_STATEMENTS.reports, [[nodeId], [etag], [etag], ["running"], ["1.10.3"], ["nc-agent/0.2.0"], [null]])).toEqual({ before: "on", changed: 1, after: "off" });
    expect(await commitModeAround(REPORT_STATEMENTS.rendered, [[nodeId], [etag], [1], [null]])).toEqual({ before: "on", changed: 1, after: "off" });
  });

  it("a plain statement leaves the setting as it was (the check above can tell)", async () => {
    expect(await commitModeAround({ text: `UPDATE "Node" SET "lastSeenAt" = now() WHERE id = $1::uuid` }, [nodeId])).toEqual({ before: "on", changed: 1, after: "on" });
  });
});
