/**
 * Polls that arrive together are authenticated with one query (node-api.ts, nodeAuthReads), as a
 * change's burst of re-polls does, and each still gets exactly its own answer: its own node's
 * certificate, and 401 for a credential that is not valid, beside the valid ones.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as configRoute from "@/app/api/v1/node/config/route";
import type { ConfigPayload } from "@/lib/agent/protocol";
import { db } from "@/lib/db/client";
import { hotPathPool } from "@/lib/db/pg-pool";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { generateToken, NODE_CREDENTIAL_PREFIX } from "./tokens";

const NODES = 5;
const address = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
const nodes: Array<{ nodeId: string; credential: string }> = [];

beforeAll(async () => {
  const admin = await createTestUser();
  const networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "auth-batch-net", cidr: freshCidr() } })).json.network.id;
  const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: { maxUses: NODES } });
  for (let i = 0; i < NODES; i++) {
    const body = { token: link.json.token, hostname: `batched-${i}`, publicKeyPem: (await hostKeyPair()).publicKeyPem };
    const enrolled = await call(enrollRoute.POST, "POST", { body, headers: { "x-nc-client-ip": address } });
    expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
    nodes.push({ nodeId: enrolled.json.nodeId, credential: enrolled.json.credential });
  }
});

afterEach(() => vi.restoreAllMocks());

const poll = (credential: string) =>
  configRoute.GET(new Request("http://localhost/api/v1/node/config?dir=/etc/nebula", { headers: { authorization: `Bearer ${credential}`, "x-nc-client-ip": address } }), {
    params: Promise.resolve({}),
  });

/** The credential queries the pool ran, each with the hashes it asked for. */
function spyOnCredentialQueries() {
  const spy = vi.spyOn(hotPathPool(), "query");
  return () =>
    spy.mock.calls
      .map(([config]) => config as unknown as { name?: string; values?: unknown[] })
      .filter((config) => config.name?.startsWith("nc-node-auth-"))
      .map((config) => (config.values?.[0] as string[]).length);
}

describe("polls arriving together", () => {
  it("are authenticated with one query, and each is answered with its own node's certificate", async () => {
    const queries = spyOnCredentialQueries();
    const unknown = generateToken(NODE_CREDENTIAL_PREFIX);
    // A credential sent twice in the same turn is read once and answered twice.
    const answers = await Promise.all([...nodes.map((n) => poll(n.credential)), poll(unknown), poll(nodes[0]!.credential)]);
    expect(queries()).toEqual([NODES + 1]);
    for (const [i, node] of [...nodes, nodes[0]!].entries()) {
      const answer = i < NODES ? answers[i]! : answers[NODES + 1]!;
      expect(answer.status).toBe(200);
      const payload = (await answer.json()) as ConfigPayload;
      const stored = await db.certificate.findFirstOrThrow({ where: { nodeId: node.nodeId }, orderBy: { createdAt: "desc" } });
      expect(payload.certificate).toBe(stored.pem);
    }
    expect(answers[NODES]!.status).toBe(401);
  });

  it("a poll alone is read alone, with nothing kept from an earlier read", async () => {
    const queries = spyOnCredentialQueries();
    expect((await poll(nodes[1]!.credential)).status).toBe(200);
    await db.nodeCredential.updateMany({ where: { nodeId: nodes[1]!.nodeId }, data: { revokedAt: new Date() } });
    expect((await poll(nodes[1]!.credential)).status).toBe(401);
    expect(queries()).toEqual([1, 1]);
  });
});
