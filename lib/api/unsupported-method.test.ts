import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refuseUnsupportedMethod } from "./unsupported-method";

// A real server with the same front step as server.ts; what passes it answers 200 ("next").
const server = createServer((req, res) => {
  if (refuseUnsupportedMethod(req, res)) return;
  res.end("next");
});
let port = 0;
beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => ((port = (server.address() as AddressInfo).port), resolve()))));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(method: string): Promise<{ status: number; allow?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: "/api/v1/networks", agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("unsupported methods", () => {
  it.each(["TRACE", "PROPFIND", "MKCOL", "LOCK"])("%s answers 405 with Allow and the JSON error shape", async (method) => {
    const res = await send(method);
    expect(res.status).toBe(405);
    expect(res.allow).toContain("GET");
    expect(JSON.parse(res.body).error.code).toBe("method_not_allowed");
  });

  it.each(["GET", "POST", "DELETE", "OPTIONS"])("%s goes on to Next", async (method) => {
    expect((await send(method)).body).toBe("next");
  });
});
