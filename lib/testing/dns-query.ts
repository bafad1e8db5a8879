/**
 * One DNS query over UDP, for the network lab: does a lighthouse's DNS (lighthouse.serve_dns)
 * answer a host's certificate name with its overlay address? Node's own resolver cannot be pointed
 * at one server and port for a single query without changing process-wide state, and no DNS
 * package is installed, so this encodes the query and parses the answer itself (RFC 1035).
 *
 *   npx tsx lib/testing/dns-query.ts <server> <port> <name> [A|AAAA]
 *
 * prints each address on its own line and exits 0; with no address it exits 1 and says why on
 * stderr (nebula 1.6.1 answers an unknown name with an empty NOERROR, 1.10.3 with NXDOMAIN); bad
 * usage, a timeout or a malformed answer exits 2. Run it inside a namespace with
 * `ip netns exec <ns> npx tsx lib/testing/dns-query.ts 10.42.0.1 53 web1`.
 */
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import { pathToFileURL } from "node:url";

const QTYPES = { A: 1, AAAA: 28 } as const;
export type QueryType = keyof typeof QTYPES;
const CLASS_IN = 1;
const RCODE_NAMES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

export interface DnsAnswer {
  rcode: number;
  rcodeName: string;
  /** The addresses of the answer records of the asked type, in the order the server sent them. */
  addresses: string[];
}

/** A standard query with one question and recursion desired (nebula ignores RD). */
export function encodeQuery(id: number, name: string, qtype: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

function encodeName(name: string): Buffer {
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  const labels = trimmed === "" ? [] : trimmed.split(".");
  const parts = labels.map((label) => {
    const bytes = Buffer.from(label, "utf8");
    if (bytes.length < 1 || bytes.length > 63) throw new Error(`DNS label "${label}" must be 1 to 63 bytes`);
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  const encoded = Buffer.concat([...parts, Buffer.from([0])]);
  if (encoded.length > 255) throw new Error("A DNS name is at most 255 bytes");
  return encoded;
}

/** Reads a (possibly compressed) name at `offset`; `end` is where the record continues. */
export function decodeName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  let end = -1;
  // Each jump must go backwards, so a pointer loop cannot spin forever.
  let limit = offset;
  for (;;) {
    if (at >= msg.length) throw new Error("DNS answer too short: a name runs past its end");
    const len = msg[at]!;
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= msg.length) throw new Error("DNS answer too short: a cut compression pointer");
      const target = ((len & 0x3f) << 8) | msg[at + 1]!;
      if (end < 0) end = at + 2;
      if (target >= limit) throw new Error("DNS answer has a compression pointer that does not point backwards");
      limit = target;
      at = target;
      continue;
    }
    if (len & 0xc0) throw new Error("DNS answer has an unknown label type");
    if (len === 0) {
      if (end < 0) end = at + 1;
      return { name: `${labels.join(".")}.`, end };
    }
    if (at + 1 + len > msg.length) throw new Error("DNS answer too short: a label runs past its end");
    labels.push(msg.toString("utf8", at + 1, at + 1 + len));
    at += 1 + len;
  }
}

function formatAddress(data: Buffer): string {
  if (data.length === 4) return [...data].join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(data.readUInt16BE(i).toString(16));
  return groups.join(":");
}

/** Parses a response to query `id`, keeping the A (or AAAA) records' addresses. */
export function parseResponse(msg: Buffer, id: number, qtype: number = QTYPES.A): DnsAnswer {
  if (msg.length < 12) throw new Error("DNS answer too short for its header");
  if (msg.readUInt16BE(0) !== id) throw new Error("DNS answer to another query");
  const flags = msg.readUInt16BE(2);
  if (!(flags & 0x8000)) throw new Error("DNS message is not a response");
  if (flags & 0x0200) throw new Error("DNS answer was truncated (TC): UDP cannot carry it");
  const rcode = flags & 0x000f;
  const questions = msg.readUInt16BE(4);
  const answers = msg.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < questions; i++) at = decodeName(msg, at).end + 4;
  const addresses: string[] = [];
  for (let i = 0; i < answers; i++) {
    at = decodeName(msg, at).end;
    if (at + 10 > msg.length) throw new Error("DNS answer too short for a record");
    const type = msg.readUInt16BE(at);
    const length = msg.readUInt16BE(at + 8);
    const data = msg.subarray(at + 10, at + 10 + length);
    if (data.length !== length) throw new Error("DNS answer too short for a record's data");
    if (type === qtype && (length === 4 || length === 16)) addresses.push(formatAddress(data));
    at += 10 + length;
  }
  return { rcode, rcodeName: RCODE_NAMES[rcode] ?? `RCODE${rcode}`, addresses };
}

/**
 * Sends one query to `server`:`port` and resolves with the first answer carrying its id (a stray
 * datagram is ignored), or rejects after `timeoutMs`. No retries: the lab wants to know.
 */
export function queryA(server: string, port: number, name: string, opts: { timeoutMs?: number; type?: QueryType } = {}): Promise<DnsAnswer> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const qtype = QTYPES[opts.type ?? "A"];
  const id = randomInt(0, 0x10000);
  const query = encodeQuery(id, name, qtype);
  const socket = dgram.createSocket(isIPv6(server) ? "udp6" : "udp4");
  return new Promise<DnsAnswer>((resolve, reject) => {
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      socket.close();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no answer from ${server}:${port} for ${name} within ${timeoutMs} ms`))), timeoutMs);
    socket.on("error", (error) => finish(() => reject(error)));
    socket.on("message", (msg) => {
      if (msg.length < 2 || msg.readUInt16BE(0) !== id) return;
      try {
        const answer = parseResponse(msg, id, qtype);
        finish(() => resolve(answer));
      } catch (error) {
        finish(() => reject(error));
      }
    });
    socket.send(query, port, server);
  });
}

async function main(args: string[]): Promise<number> {
  const [server, portText, name, type = "A"] = args;
  const port = Number(portText);
  if (!server || !name || !Number.isInteger(port) || port < 1 || port > 65535 || !(type in QTYPES)) {
    process.stderr.write("usage: dns-query <server> <port> <name> [A|AAAA]\n");
    return 2;
  }
  try {
    const answer = await queryA(server, port, name, { type: type as QueryType });
    if (!answer.addresses.length) {
      process.stderr.write(`${name}: no ${type} record (${answer.rcodeName})\n`);
      return 1;
    }
    process.stdout.write(answer.addresses.map((a) => `${a}\n`).join(""));
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
