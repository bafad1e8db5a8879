/**
 * The agents' routes served straight from a Node server (direct-route.ts, as server.ts does in
 * production) answer exactly what the same handlers answer when Next calls them: statuses,
 * bodies, ETags and protocol headers, plus the headers Next would add; request bodies keep their
 * limit; a client that goes away ends its held poll; and a poll sent back to plain polling (past
 * the replica's bound) has its connection closed.
 */
import { Agent, createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as links from "@/app/api/v1/networks/[networkId]/links/route";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as configRoute from "@/app/api/v1/node/config/route";
import { CLIENT_IP_HEADER } from "@/lib/core/client-ip";
import { configChangeFeed } from "@/lib/db/config-change-feed";
import { call, createTestUser, freshCidr, type TestUser } from "@/lib/testing/api-harness";
import { hostKeyPair } from "@/lib/testing/nebula-tools";
import { jsonResponse, serveDirect, type RouteHandler } from "./direct-route";
import { FRAME_AND_SNIFF_HEADERS } from "./security-headers";

let admin: TestUser;
let networkId: string;
let server: Server;
let base: string;
const address = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;

beforeAll(async () => {
  admin = await createTestUser();
  networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "direct-net", cidr: freshCidr() } })).json.network.id;
  const routes = new Map<string, RouteHandler>([
    ["GET /api/v1/node/config", configRoute.GET as RouteHandler],
    ["POST /api/v1/enroll", enrollRoute.POST as RouteHandler],
  ]);
  // As server.ts: the peer address from the socket, then the route's own handler.
  server = createServer((req, res) => {
    req.headers[CLIENT_IP_HEADER] = address;
    const handler = routes.get(`${req.method} ${(req.url ?? "").split("?")[0]}`);
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    void serveDirect(req, res, handler);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function enrollDirect(hostname: string) {
  const link = await call(links.POST, "POST", { as: admin, params: { networkId }, body: {} });
  const res = await fetch(`${base}/api/v1/enroll`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: link.json.token, hostname, publicKeyPem: (await hostKeyPair()).publicKeyPem }),
  });
  return { res, json: (await res.json()) as { credential: string; ip: string; error?: unknown } };
}

/** The same poll through Next's way of calling the handler (a Web Request in, a Response out). */
async function pollThroughHandler(credential: string, etag?: string) {
  const res = await configRoute.GET(
    new Request("http://localhost/api/v1/node/config?dir=/etc/nebula", {
      headers: { authorization: `Bearer ${credential}`, [CLIENT_IP_HEADER]: address, ...(etag ? { "if-none-match": etag } : {}) },
    }),
    { params: Promise.resolve({}) },
  );
  return { res, text: await res.text() };
}

const pollDirect = (credential: string, extra: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${base}/api/v1/node/config?dir=/etc/nebula`, { headers: { authorization: `Bearer ${credential}`, ...extra }, signal });

/** Headers that say the same thing both ways (not the request id or the date). */
function protocolHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers.entries()].filter(([name]) => name === "etag" || name === "cache-control" || name === "content-type" || name.startsWith("x-nc-")));
}

describe("agent routes served directly", () => {
  it("enroll and config answer as the handlers do through Next, with Next's headers added", async () => {
    const enrolled = await enrollDirect("direct-host");
    expect(enrolled.res.status, JSON.stringify(enrolled.json)).toBe(201);
    expect(enrolled.json.credential).toMatch(/^ncn_/);

    const direct = await pollDirect(enrolled.json.credential);
    const directText = await direct.text();
    expect(direct.status).toBe(200);
    expect(Number(direct.headers.get("content-length"))).toBe(Buffer.byteLength(directText));
    for (const [name, value] of FRAME_AND_SNIFF_HEADERS) expect(direct.headers.get(name)).toBe(value);
    expect(direct.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const viaHandler = await pollThroughHandler(enrolled.json.credential);
    expect(viaHandler.res.status).toBe(200);
    expect(JSON.parse(directText)).toEqual(JSON.parse(viaHandler.text));
    expect(protocolHeaders(direct.headers)).toEqual(protocolHeaders(viaHandler.res.headers));
    expect(protocolHeaders(direct.headers)["x-nc-poll-seconds"]).toBeDefined();

    // Unchanged: 304 with no body, both ways.
    const etag = direct.headers.get("etag")!;
    const again = await pollDirect(enrolled.json.credential, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const againViaHandler = await pollThroughHandler(enrolled.json.credential, etag);
    expect(againViaHandler.res.status).toBe(304);
    // The 304's headers, too, are the handler's own: the ETag, the interval, no-store, and a request id.
    expect(protocolHeaders(again.headers)).toEqual(protocolHeaders(againViaHandler.res.headers));
    expect(protocolHeaders(again.headers)).toMatchObject({ etag, "cache-control": "no-store" });
    expect(protocolHeaders(again.headers)["x-nc-poll-seconds"]).toBeDefined();
    expect(again.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("errors keep their JSON shape; a body over the limit is refused while it arrives", async () => {
    const wrong = await pollDirect("ncn_not-a-credential");
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");

    const huge = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      // Chunked, with no length declared: the limit must hold while the body streams in.
      const req = httpRequest(`${base}/api/v1/enroll`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.write(`{"token":"${"x".repeat(64 * 1024)}`);
      req.end(`"}`);
    });
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body).error.code).toBe("payload_too_large");

    const notJson = await fetch(`${base}/api/v1/enroll`, { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" });
    expect(notJson.status).toBe(415);
  });

  it("a client that goes away ends its held poll", async () => {
    const enrolled = await enrollDirect("direct-waiter");
    const first = await pollDirect(enrolled.json.credential);
    const etag = first.headers.get("etag")!;
    const feed = configChangeFeed();
    const before = feed.waiting;
    const cut = new AbortController();
    const held = pollDirect(enrolled.json.credential, { "if-none-match": etag, prefer: "wait=30" }, cut.signal).catch((error: unknown) => error);
    const deadline = Date.now() + 10_000;
    while (feed.waiting === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(feed.waiting, "the poll is held").toBe(before + 1);
    cut.abort();
    expect(await held).toBeInstanceOf(Error);
    while (feed.waiting > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(feed.waiting, "the held poll ended with its client").toBe(before);
  });

  it("closes the connection of a poll it sends back to plain polling, and keeps a plain poll's open", async () => {
    const enrolled = await enrollDirect("direct-plain-again");
    const etag = (await pollDirect(enrolled.json.credential)).headers.get("etag")!;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    /** Polls once over a kept connection; the status, and whether the server closed the socket within a second of answering. */
    const pollOverSocket = (headers: Record<string, string>) =>
      new Promise<{ status: number; closed: boolean }>((resolve, reject) => {
        const req = httpRequest(`${base}/api/v1/node/config?dir=/etc/nebula`, { agent, headers: { authorization: `Bearer ${enrolled.json.credential}`, "if-none-match": etag, ...headers } }, (res) => {
          res.resume();
          res.on("end", () => {
            const timer = setTimeout(() => resolve({ status: res.statusCode ?? 0, closed: false }), 1_000);
            req.socket!.once("close", () => {
              clearTimeout(timer);
              resolve({ status: res.statusCode ?? 0, closed: true });
            });
          });
        });
        req.on("error", reject);
        req.end();
      });
    process.env.NC_LONG_POLL_MAX_WAITING = "0";
    try {
      expect(await pollOverSocket({ prefer: "wait=30" })).toEqual({ status: 304, closed: true });
      delete process.env.NC_LONG_POLL_MAX_WAITING;
      // The same poll without the preference is a plain one: its connection stays for the next.
      expect(await pollOverSocket({})).toEqual({ status: 304, closed: false });
    } finally {
      delete process.env.NC_LONG_POLL_MAX_WAITING;
      agent.destroy();
    }
  });

  it("answers anyone else's request with an ordinary JSON Response", async () => {
    const res = jsonResponse(new Request("http://localhost/x"), { a: 1 }, { status: 202, headers: { "x-nc-test": "1" } });
    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-nc-test")).toBe("1");
    expect(await res.json()).toEqual({ a: 1 });
  });
});
