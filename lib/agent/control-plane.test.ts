import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkServerUrl, ControlPlaneError, pollConfig } from "./control-plane";
import { answerKind, clampPollSeconds, POLL_SECONDS_MAX, POLL_SECONDS_MIN } from "./protocol";

/** Two servers on loopback: "origin" answers with a redirect to "elsewhere", which must never be asked. */
let origin: Server;
let elsewhere: Server;
let elsewhereHits = 0;
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

beforeAll(async () => {
  elsewhere = createServer((_req, res) => {
    elsewhereHits++;
    res.end("{}");
  });
  await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
  origin = createServer((_req, res) => res.writeHead(302, { location: `${urlOf(elsewhere)}/api/v1/node/config` }).end());
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
});

afterAll(async () => {
  await new Promise((r) => origin.close(r));
  await new Promise((r) => elsewhere.close(r));
});

const report = { fetched: null, applied: null, nebula: "running" as const, nebulaVersion: "1.6.1", agent: "nc-agent/test", error: null };

describe("nc-agent's control-plane client", () => {
  it("never follows a redirect, so the credential stays with the origin it enrolled with", async () => {
    const error = await pollConfig(urlOf(origin), "ncn_secret", "/etc/nebula", report).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlPlaneError);
    expect((error as Error).message).toMatch(/redirect \(302\); refusing to follow it/);
    expect(elsewhereHits).toBe(0);
  });

  it("requires https unless --insecure-http was given", () => {
    expect(() => checkServerUrl("http://nc.example", false)).toThrow(/plain http.*--insecure-http/);
    expect(() => checkServerUrl("http://nc.example", true)).not.toThrow();
    expect(() => checkServerUrl("https://nc.example", false)).not.toThrow();
    expect(() => checkServerUrl("ftp://nc.example", true)).toThrow(/not an http/);
  });
});

describe("the protocol's bounds and answers", () => {
  it("bounds the server's poll interval to 5 s .. 1 h", () => {
    expect([clampPollSeconds(1), clampPollSeconds(0), clampPollSeconds(-5)]).toEqual([POLL_SECONDS_MIN, POLL_SECONDS_MIN, POLL_SECONDS_MIN]);
    expect(clampPollSeconds(86_400)).toBe(POLL_SECONDS_MAX);
    expect(clampPollSeconds("30")).toBe(30);
    expect(clampPollSeconds("garbage")).toBe(60);
    expect(clampPollSeconds(null)).toBe(60);
  });
  it("tells a bad credential from a blocked or deleted node", () => {
    expect([401, 403, 410, 500, 429].map(answerKind)).toEqual(["bad-credential", "blocked", "gone", "retry", "retry"]);
  });
});
