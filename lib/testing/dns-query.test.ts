/**
 * The lab's DNS client against a tiny in-process UDP DNS server written here: shaped like
 * nebula's (miekg/dns with Compress = false, the question echoed, A answers for known names; an
 * unknown name gets an empty NOERROR as on 1.6.1 or NXDOMAIN as on 1.10.3).
 */
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeName, encodeQuery, parseResponse, queryA } from "./dns-query";

interface Question {
  id: number;
  name: string;
  qtype: number;
  raw: Buffer;
}

function readQuestion(msg: Buffer): Question {
  const { name, end } = decodeName(msg, 12);
  return { id: msg.readUInt16BE(0), name, qtype: msg.readUInt16BE(end), raw: msg.subarray(12, end + 4) };
}

/** A reply as miekg/dns writes one without compression: the question echoed, then each answer with its full name. */
function reply(q: Question, opts: { rcode?: number; answers?: Array<{ type: number; data: Buffer }>; id?: number; compress?: boolean }): Buffer {
  const answers = opts.answers ?? [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(opts.id ?? q.id, 0);
  header.writeUInt16BE(0x8000 | 0x0400 | 0x0100 | (opts.rcode ?? 0), 2); // QR, AA, RD echoed, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map(({ type, data }) => {
    const owner = opts.compress ? Buffer.from([0xc0, 12]) : q.raw.subarray(0, q.raw.length - 4);
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(60, 4);
    fixed.writeUInt16BE(data.length, 8);
    return Buffer.concat([owner, fixed, data]);
  });
  return Buffer.concat([header, q.raw, ...records]);
}

const ipv4 = (text: string) => Buffer.from(text.split(".").map(Number));

let server: dgram.Socket;
let port: number;
const seen: Question[] = [];

beforeAll(async () => {
  server = dgram.createSocket("udp4");
  server.on("message", (msg, rinfo) => {
    const q = readQuestion(msg);
    seen.push(q);
    const send = (buf: Buffer) => server.send(buf, rinfo.port, rinfo.address);
    switch (q.name) {
      case "web1.":
        return send(reply(q, { answers: [{ type: 1, data: ipv4("10.42.0.5") }] }));
      case "compressed.":
        return send(reply(q, { answers: [{ type: 5, data: Buffer.from([0xc0, 12]) }, { type: 1, data: ipv4("10.42.0.7") }], compress: true }));
      case "gone.":
        return send(reply(q, { rcode: 3 }));
      case "late.":
        // A stray answer with another id first: the client must wait for its own.
        send(reply(q, { id: (q.id + 1) & 0xffff, answers: [{ type: 1, data: ipv4("10.9.9.9") }] }));
        return setTimeout(() => send(reply(q, { answers: [{ type: 1, data: ipv4("10.42.0.8") }] })), 20);
      case "silent.":
        return;
      default:
        return send(reply(q, {}));
    }
  });
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  port = server.address().port;
});

afterAll(() => server.close());

describe("queryA", () => {
  it("asks for an A record and returns the addresses", async () => {
    const answer = await queryA("127.0.0.1", port, "web1");
    expect(answer).toEqual({ rcode: 0, rcodeName: "NOERROR", addresses: ["10.42.0.5"] });
    expect(seen.at(-1)).toMatchObject({ name: "web1.", qtype: 1 });
  });

  it("follows compression pointers and skips records that are not A", async () => {
    expect((await queryA("127.0.0.1", port, "compressed.")).addresses).toEqual(["10.42.0.7"]);
  });

  it("reports an unknown name as nebula 1.6.1 (empty NOERROR) and 1.10.3 (NXDOMAIN) answer it", async () => {
    expect(await queryA("127.0.0.1", port, "nobody")).toEqual({ rcode: 0, rcodeName: "NOERROR", addresses: [] });
    expect(await queryA("127.0.0.1", port, "gone")).toEqual({ rcode: 3, rcodeName: "NXDOMAIN", addresses: [] });
  });

  it("ignores an answer to another query id", async () => {
    expect((await queryA("127.0.0.1", port, "late")).addresses).toEqual(["10.42.0.8"]);
  });

  it("gives up after its timeout when nothing answers", async () => {
    await expect(queryA("127.0.0.1", port, "silent", { timeoutMs: 100 })).rejects.toThrow(/no answer .* within 100 ms/);
  });

  it("refuses names DNS cannot carry", () => {
    expect(() => encodeQuery(1, "a".repeat(64), 1)).toThrow(/label/);
    expect(() => encodeQuery(1, "a..b", 1)).toThrow(/label/);
    expect(() => encodeQuery(1, `${"abcdefgh.".repeat(32)}x`, 1)).toThrow(/255/);
  });

  it("refuses a truncated or malformed answer", () => {
    const q = encodeQuery(7, "web1", 1);
    expect(() => parseResponse(q.subarray(0, 5), 7)).toThrow(/short/);
    expect(() => parseResponse(q, 7)).toThrow(/not a response/);
  });
});

describe("the CLI", () => {
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "lib/testing/dns-query.ts", ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      });
    });

  it("prints the addresses, one a line", async () => {
    expect(await cli(["127.0.0.1", String(port), "web1"])).toMatchObject({ code: 0, stdout: "10.42.0.5\n" });
  }, 30_000);

  it("exits 1 naming the rcode when there is no address, and 2 on bad usage", async () => {
    const none = await cli(["127.0.0.1", String(port), "gone"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("NXDOMAIN");
    expect((await cli(["127.0.0.1"])).code).toBe(2);
  }, 30_000);
});
