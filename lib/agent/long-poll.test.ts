import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { appliedWait, LONG_POLL_MAX_SECONDS, preferredWait } from "./protocol";
import { shAgentSource } from "@/lib/enroll/sh-agent";
import { configureConnections, connectionCap, DEFAULT_MAX_WAITING, KEEP_ALIVE_MS, longPollMaxWaiting } from "@/lib/enroll/long-poll-limit";
import { metrics } from "@/lib/metrics/registry";

describe("the long-poll preference (RFC 7240)", () => {
  it("reads wait=N among other preferences, and nothing else", () => {
    expect(preferredWait("wait=55")).toBe(55);
    expect(preferredWait("respond-async, wait=10")).toBe(10);
    expect(preferredWait("handling=lenient; wait = \"30\"")).toBe(30);
    expect(preferredWait("WAIT=5")).toBe(5);
    expect(preferredWait(null)).toBeNull();
    expect(preferredWait("")).toBeNull();
    expect(preferredWait("nowait=5")).toBeNull();
    expect(preferredWait("wait=-1")).toBeNull();
    expect(preferredWait("wait=abc")).toBeNull();
    expect(appliedWait(`wait=${LONG_POLL_MAX_SECONDS}`)).toBe(LONG_POLL_MAX_SECONDS);
  });

  it("bounds held polls per replica by NC_LONG_POLL_MAX_WAITING or the open-file limit, and refuses nonsense at start", () => {
    expect(longPollMaxWaiting({}, null)).toBe(DEFAULT_MAX_WAITING);
    expect(longPollMaxWaiting({}, 1_048_576)).toBe(DEFAULT_MAX_WAITING);
    // Where descriptors are short, the default leaves a quarter of them (at least 1,000) for the rest.
    expect(longPollMaxWaiting({}, 20_000)).toBe(15_000);
    expect(longPollMaxWaiting({}, 1_024)).toBe(24);
    expect(longPollMaxWaiting({}, 800)).toBe(0);
    expect(longPollMaxWaiting({ NC_LONG_POLL_MAX_WAITING: "18000" }, 20_000)).toBe(18_000);
    // Client connections stop 1,000 descriptors short of the limit; none is set when it is unknown.
    expect(connectionCap(20_000)).toBe(19_000);
    expect(connectionCap(null)).toBeNull();
    expect(longPollMaxWaiting({ NC_LONG_POLL_MAX_WAITING: "0" })).toBe(0);
    expect(longPollMaxWaiting({ NC_LONG_POLL_MAX_WAITING: " 5000 " })).toBe(5000);
    expect(() => longPollMaxWaiting({ NC_LONG_POLL_MAX_WAITING: "-1" })).toThrow(/whole number/);
    expect(() => longPollMaxWaiting({ NC_LONG_POLL_MAX_WAITING: "lots" })).toThrow(/whole number/);
  });

  it("a server past its connection cap closes new connections at once, and counts each one", async () => {
    const dropped = async () => (await metrics().connectionsDropped.get()).values[0]?.value ?? 0;
    const before = await dropped();
    const server = createServer((_req, res) => res.end("ok"));
    configureConnections(server, 2);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const sockets = Array.from({ length: 5 }, () => connect(port, "127.0.0.1"));
    try {
      // Each socket either stays open (one of the first 2) or is closed by the server; bounded wait.
      const closed = await Promise.all(sockets.map((s) => new Promise<boolean>((resolve) => {
        s.once("close", () => resolve(true));
        setTimeout(() => resolve(false), 2_000);
      })));
      expect(closed.filter(Boolean)).toHaveLength(3);
      expect((await dropped()) - before).toBe(3);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a server keeps a client's connection past Node's 5 s between requests, and says how long", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    configureConnections(server, null);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString()));
    const answers = async (n: number) => {
      for (let i = 0; i < 50 && (received.match(/HTTP\/1\.1 200/g) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 100));
      return (received.match(/HTTP\/1\.1 200/g) ?? []).length;
    };
    try {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(await answers(1)).toBe(1);
      expect(received).toContain(`Keep-Alive: timeout=${KEEP_ALIVE_MS / 1000}`);
      // Past Node's default keep-alive timeout, the same connection still takes a request.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(socket.destroyed).toBe(false);
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(await answers(2)).toBe(2);
    } finally {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 20_000);

  it("the POSIX agent asks to wait, gives curl time for it, and is valid sh", () => {
    const source = shAgentSource();
    expect(source).toContain(`-H 'Prefer: wait=${LONG_POLL_MAX_SECONDS}'`);
    expect(source).toContain(`--max-time ${LONG_POLL_MAX_SECONDS + 20}`);
    const check = spawnSync("sh", ["-n"], { input: source, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
