/**
 * A real webhook receiver for the integration tests: node:http on 127.0.0.1 that verifies each
 * delivery's signature with the webhook's secret and checks its timestamp, as a receiver in the
 * wild would, and answers with whatever status the test scripts.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook } from "@/lib/webhooks/signature";

export interface ReceivedDelivery {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The signature matched the secret and the timestamp was within five minutes. */
  verified: boolean;
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedDelivery[];
  /** The secret deliveries are checked against (set once the webhook is created). */
  secret: string;
  /** Statuses for the next requests, in order; afterwards 200. */
  script: number[];
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver = { received: [] as ReceivedDelivery[], secret: "", script: [] as number[] } as WebhookReceiver;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(" ") : v]));
      const verified = receiver.secret !== "" && verifyWebhook(receiver.secret, headers, body);
      const status = receiver.script.shift() ?? 200;
      receiver.received.push({ at: Date.now(), headers: req.headers, body, verified, answered: status });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "try again later");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/nebula`;
  receiver.waitFor = async (count, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (receiver.received.length < count) {
      if (Date.now() > deadline) throw new Error(`The receiver got ${receiver.received.length} of ${count} deliveries in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return receiver.received;
  };
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}
