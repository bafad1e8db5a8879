import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as enrollRoute from "@/app/api/v1/enroll/route";
import * as networks from "@/app/api/v1/networks/route";
import { MAX_ENROLL_BODY } from "@/lib/enroll/link-schemas";
import { call, createTestUser } from "@/lib/testing/api-harness";
import { startRouteServer } from "@/lib/testing/route-server";
import { MAX_JSON_BODY_BYTES } from "./read-json-body";

const CHUNK = 4 * 1024;

/** A request body that counts the chunks the server pulls; `total` chunks would be far over any limit. */
function countingBody(total: number) {
  const state = { pulled: 0 };
  const chunk = new TextEncoder().encode(`{"pad":"${"x".repeat(CHUNK - 9)}`);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= total) return controller.close();
      state.pulled++;
      controller.enqueue(chunk);
    },
  });
  return { stream, state };
}

describe("request bodies are counted as they arrive", () => {
  it("stops reading a chunked body with no Content-Length at the limit (wrapper, signed-in route)", async () => {
    const user = await createTestUser();
    const { stream, state } = countingBody(1000);
    const req = new Request("http://localhost/api/v1/networks", {
      method: "POST",
      headers: { "content-type": "application/json", cookie: user.cookie, "x-csrf-token": user.csrf },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(req.headers.get("content-length")).toBeNull();
    const res = await networks.POST(req, { params: Promise.resolve({}) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("payload_too_large");
    // The limit is 16 chunks; a few more may be queued by the stream, never the whole 4 MB.
    expect(state.pulled).toBeLessThan(MAX_JSON_BODY_BYTES / CHUNK + 4);
  });

  it("a body just under the limit is still read whole", async () => {
    const user = await createTestUser();
    const r = await call(networks.POST, "POST", { as: user, body: { name: "x", cidr: "bad", description: "y".repeat(1000) } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("validation_failed");
  });

  describe("over a real HTTP socket", () => {
    let server: { url: string; close: () => Promise<void> };
    beforeAll(async () => {
      server = await startRouteServer([{ method: "POST", pattern: /^\/api\/v1\/enroll$/, handler: enrollRoute.POST }], { streamBodies: true });
    });
    afterAll(async () => server?.close());

    it("answers 413 to a chunked enrollment body before the client has sent it all", async () => {
      const totalChunks = 256; // 1 MiB against an 8 KiB limit
      let sent = 0;
      let answered = false;
      const result = await new Promise<{ status: number; body: string; sentWhenAnswered: number }>((resolve, reject) => {
        const req = request(`${server.url}/api/v1/enroll`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
          answered = true;
          const sentWhenAnswered = sent;
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sentWhenAnswered }));
        });
        // The server may close the socket once it has answered; later writes failing is expected.
        req.on("error", (err) => (answered ? undefined : reject(err)));
        const chunk = `{"pad":"${"x".repeat(CHUNK - 9)}`;
        const writeNext = () => {
          if (answered || sent >= totalChunks) return answered ? undefined : req.end();
          sent++;
          req.write(chunk);
          setTimeout(writeNext, 5);
        };
        writeNext();
      });
      expect(result.status).toBe(413);
      expect(JSON.parse(result.body).error.code).toBe("payload_too_large");
      expect(result.sentWhenAnswered).toBeGreaterThan(MAX_ENROLL_BODY / CHUNK);
      expect(result.sentWhenAnswered).toBeLessThan(totalChunks);
    });
  });
});
