/**
 * Methods Next's route handlers can serve. Next answers any other method (TRACE, CONNECT, WebDAV's
 * PROPFIND, …) by throwing inside its router, which reaches the client as a 500; the server in front
 * of Next refuses them first with 405, as HTTP says it should.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { ErrorBody } from "./error-body";

export const SERVED_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;
const served = new Set<string>(SERVED_METHODS);

/** Answers 405 and returns true when Next could not serve the request's method. */
export function refuseUnsupportedMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (served.has(req.method ?? "")) return false;
  const body: ErrorBody = { error: { code: "method_not_allowed", message: `The method ${String(req.method).slice(0, 20)} is not supported`, requestId: randomUUID() } };
  res.writeHead(405, { allow: SERVED_METHODS.join(", "), "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
  // The request body, if any, is not read; closing keeps a client from streaming it at us.
  req.resume();
  return true;
}
