/**
 * One delivery attempt: sign the stored body, POST it to the webhook's URL through the address
 * guard, and record what happened on the delivery row. A failed attempt throws, so that pg-boss
 * schedules the next one with its backoff (or gives up after the last).
 */
import http from "node:http";
import https from "node:https";
import ipaddr from "ipaddr.js";
import { db } from "@/lib/db/client";
import { decryptSecret } from "@/lib/pki/secret-box";
import { signedHeaders } from "./signature";
import { addressProblem, guardedLookup, UnsafeAddressError, urlPolicyFromEnv } from "./url-safety";

export const DELIVERY_TIMEOUT_MS = 10_000;
/** Read at most this much of a receiver's answer; the rest is not waited for. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** What the delivery log keeps of a request or a response. */
const EXCERPT_CHARS = 4096;

export const secretAad = (endpointId: string) => `webhook:${endpointId}`;

export interface AttemptResult {
  statusCode: number | null;
  durationMs: number;
  responseBody: string;
  error: string | null;
}

/**
 * POSTs without following redirects (a 3xx counts as a failure: a redirect could point anywhere),
 * with one deadline for the whole exchange, reading at most MAX_RESPONSE_BYTES.
 */
export function postWebhook(url: string, headers: Record<string, string>, body: string, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const policy = urlPolicyFromEnv();
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, "");
    // A literal address never goes through `lookup`, so it is checked here.
    const literalProblem = ipaddr.isValid(host) ? addressProblem(host, policy) : null;
    if (literalProblem) return resolve({ statusCode: null, durationMs: 0, responseBody: "", error: `Refused: ${literalProblem}` });
    let settled = false;
    const finish = (result: Omit<AttemptResult, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "NebulaCommander-Webhooks/1", ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: guardedLookup(policy),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => finish({ statusCode: response.statusCode ?? null, responseBody: Buffer.concat(chunks).toString("utf8"), error: null });
        response.on("data", (chunk: Buffer) => {
          const room = MAX_RESPONSE_BYTES - size;
          if (room > 0) chunks.push(chunk.subarray(0, room));
          size += chunk.length;
          if (size >= MAX_RESPONSE_BYTES) {
            done();
            response.destroy();
          }
        });
        response.on("end", done);
        response.on("error", done);
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`No complete answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on("error", (error) => {
      const message = error instanceof UnsafeAddressError ? `Refused: ${error.message}` : error.message;
      finish({ statusCode: null, responseBody: "", error: message });
    });
    request.end(body);
  });
}

export class DeliveryFailedError extends Error {
  override name = "DeliveryFailedError";
}

/**
 * One attempt of a delivery. `finalAttempt`: pg-boss will not retry after this one, so a failure
 * is recorded as final.
 */
export async function attemptDelivery(deliveryId: string, finalAttempt: boolean): Promise<AttemptResult | null> {
  const delivery = await db.webhookDelivery.findUnique({
    where: { id: deliveryId },
    include: { endpoint: { select: { id: true, url: true, enabled: true, secretCiphertext: true } } },
  });
  // Deleted with its webhook: nothing to send.
  if (!delivery) return null;
  if (!delivery.endpoint.enabled) {
    await db.webhookDelivery.update({ where: { id: deliveryId }, data: { status: "failed", lastError: "The webhook is disabled" } });
    return null;
  }
  const secret = decryptSecret(delivery.endpoint.secretCiphertext, secretAad(delivery.endpoint.id));
  const body = JSON.stringify(delivery.payload);
  const headers = signedHeaders(secret, delivery.id, body);
  const result = await postWebhook(delivery.endpoint.url, { ...headers }, body);
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const requestExcerpt = `POST ${delivery.endpoint.url}\nwebhook-id: ${headers["webhook-id"]}\nwebhook-timestamp: ${headers["webhook-timestamp"]}\n\n${body}`.slice(0, EXCERPT_CHARS);
  await db.webhookDelivery.update({
    where: { id: deliveryId },
    data: {
      status: ok ? "delivered" : finalAttempt ? "failed" : "retrying",
      attempts: { increment: 1 },
      lastStatusCode: result.statusCode,
      lastDurationMs: result.durationMs,
      lastError: ok ? null : (result.error ?? `The receiver answered ${result.statusCode}`),
      requestExcerpt,
      responseExcerpt: result.responseBody.slice(0, EXCERPT_CHARS),
      lastAttemptAt: new Date(),
      ...(ok ? { deliveredAt: new Date() } : {}),
    },
  });
  if (!ok) throw new DeliveryFailedError(result.error ?? `The receiver answered ${result.statusCode}`);
  return result;
}
