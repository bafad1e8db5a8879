/**
 * A small HTTP/1.1 client for the load generators: node:http with a keep-alive Agent and a fixed
 * connection limit. (undici would do the same, but it is not a dependency of this project, only
 * bundled inside Node's fetch, whose pool cannot be limited without it.) Each request has a total
 * deadline, not just a socket idle timeout, so a stalled answer counts as an error.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";

export interface Answer {
  /** 0 when the request failed without an HTTP status (connection error, timeout). */
  status: number;
  /** No answer within the client's deadline (then status is 0). */
  timedOut: boolean;
  etag: string | null;
  /** The Preference-Applied header: present when the server held a long poll. */
  preferenceApplied?: string | null;
  body: string;
  error: string | null;
  /** The request went out on a kept connection (a failure there may be the keep-alive race), not a new one. */
  reusedSocket?: boolean;
  ms: number;
}

export interface RequestSpec {
  method?: "GET" | "POST";
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string;
  /** Keep the response body (enrollment answers); load tests discard it. */
  keepBody?: boolean;
  /** Closes the connection after this answer when it says so, instead of keeping it for the next request. */
  closeAfter?: (headers: IncomingHttpHeaders) => boolean;
}

export interface ClientOptions {
  /**
   * "fifo" uses every kept connection in turn, so that none idles into the server's keep-alive
   * timeout and is closed just as it is reused (ECONNRESET on a connection the server dropped).
   */
  scheduling?: "lifo" | "fifo";
  /**
   * The loopback address the connections come from (any of 127.0.0.0/8). One source address has
   * only the ephemeral ports (about 28,000) toward one server port: a client holding nearly that
   * many made the kernel search longer and longer for a free one, and its connect() calls became
   * most of its CPU. Hosts of a real fleet each have an address of their own.
   */
  localAddress?: string;
}

/** undici's default, which nc-agent's fetch uses (checked with `ss -o`: its idle connection's first probe is due after 60 s). */
const TCP_KEEPALIVE_IDLE_MS = 60_000;

export class HttpClient {
  readonly agent: Agent;
  private readonly localAddress: string | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    connections: number,
    private readonly timeoutMs: number,
    { scheduling = "lifo", localAddress }: ClientOptions = {},
  ) {
    // maxSockets bounds the connections; further requests queue in the agent, as a real client's would.
    // TCP keep-alive probes start after a connection is idle for TCP_KEEPALIVE_IDLE_MS, as nc-agent's
    // fetch (undici) does: node:http's own 1 s made each of 50,000 held long polls send a probe every
    // second (100,000 packets a second on loopback with their ACKs): in bench/fleet-scale.ts, 307
    // polls failed with "read ETIMEDOUT" and 1,878 more timed out after the change; with 60 s, none.
    this.agent = new Agent({ keepAlive: true, keepAliveMsecs: TCP_KEEPALIVE_IDLE_MS, maxSockets: connections, maxFreeSockets: connections, scheduling });
    this.localAddress = localAddress;
  }

  /** Latency counts from `startedAt` (default: now), so time spent queued for a connection is included. */
  send(spec: RequestSpec, startedAt = performance.now()): Promise<Answer> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (answer: Omit<Answer, "ms" | "timedOut">, timedOut = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...answer, timedOut, reusedSocket: req.reusedSocket, ms: performance.now() - startedAt });
      };
      const req = httpRequest(
        { host: this.host, port: this.port, localAddress: this.localAddress, method: spec.method ?? "GET", path: spec.path, headers: spec.headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          // Error answers are kept too, so that a report can quote what went wrong.
          const keep = spec.keepBody || (res.statusCode ?? 0) >= 400;
          res.on("data", (chunk: Buffer) => {
            if (keep) chunks.push(chunk);
          });
          res.on("end", () => {
            if (spec.closeAfter?.(res.headers)) res.socket?.destroy();
          });
          res.on("end", () =>
            finish({ status: res.statusCode ?? 0, etag: headerValue(res.headers.etag), preferenceApplied: headerValue(res.headers["preference-applied"]), body: Buffer.concat(chunks).toString("utf8"), error: null }),
          );
          res.on("error", (e) => finish({ status: 0, etag: null, body: "", error: e.message }));
        },
      );
      const timer = setTimeout(() => {
        finish({ status: 0, etag: null, body: "", error: `no answer within ${this.timeoutMs} ms` }, true);
        req.destroy();
      }, this.timeoutMs);
      req.on("error", (e) => finish({ status: 0, etag: null, body: "", error: e.message }));
      req.end(spec.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** Tallies answers by status ("timeout", or "error" for other failures without one), keeping one example of each failure. */
export class StatusCounter {
  readonly counts = new Map<string, number>();
  readonly examples = new Map<string, string>();

  add(answer: Answer, expected: readonly number[]): void {
    const key = answer.timedOut ? "timeout" : answer.status === 0 ? "error" : String(answer.status);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!expected.includes(answer.status) && !this.examples.has(key)) this.examples.set(key, answer.error ?? answer.body.slice(0, 200));
  }

  /** Every answer whose status is not in `expected`, failures without a status included. */
  unexpected(expected: readonly number[]): number {
    let n = 0;
    for (const [key, count] of this.counts) if (!expected.map(String).includes(key)) n += count;
    return n;
  }

  /** "200: 9999, error: 1 (socket hang up)": counts, with the example kept for each failure. */
  describe(): string {
    const example = (key: string) => (this.examples.has(key) ? ` (${this.examples.get(key)})` : "");
    return [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}: ${count}${example(key)}`).join(", ") || "none";
  }
}
