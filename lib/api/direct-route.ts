/**
 * Serves a route handler straight from the Node server, without Next's router in between: for the
 * agents' two hot routes (config polls, enrollment), where Next's per-request work (routing, its
 * request and response adapters, compression) cost more CPU than the answer itself, most of all
 * when a change wakes thousands of held polls at once. The handler is the route's own exported
 * function, so what it checks and answers is exactly what Next would run; only the adapters
 * differ, and they are these few lines.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { FRAME_AND_SNIFF_HEADERS } from "./security-headers";

export type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Requests that serveDirect is serving, so that answer() knows whose answer it makes. */
const directRequests = new WeakSet<Request>();

/** What serveDirect writes for an answer made by answer(): its headers (names in lower case) and text. */
interface PreparedAnswer {
  headers: Record<string, string>;
  text: string | null;
}
const preparedAnswers = new WeakMap<Response, PreparedAnswer>();

/**
 * An answer with these headers and text. To a request that serveDirect serves, both ride beside a
 * bare Response and are written as they are: a Web body stream made and read back per answer was
 * a fifth of a woken poll's CPU, and filling and reading back undici's Headers (validated, and
 * sorted on every read) cost 8-10% of the rate of 304 answers (bench/poll-rate.ts). To any other
 * caller (Next, tests) it is an ordinary Response.
 */
export function answer(req: Request, status: number, headers: Record<string, string>, text: string | null): Response {
  if (!directRequests.has(req)) return new Response(text, { status, headers });
  const prepared: PreparedAnswer = { headers: {}, text };
  for (const name in headers) prepared.headers[name.toLowerCase()] = headers[name]!;
  const response = new Response(null, { status });
  preparedAnswers.set(response, prepared);
  return response;
}

/** A JSON answer (see answer). */
export function jsonResponse(req: Request, body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return answer(req, init.status ?? 200, { "content-type": "application/json", ...init.headers }, JSON.stringify(body));
}

/** Sets a header on any answer, prepared by answer() or not; with `unlessSet`, only when it has none of that name. */
export function setAnswerHeader(response: Response, name: string, value: string, unlessSet = false): void {
  const prepared = preparedAnswers.get(response);
  const key = name.toLowerCase();
  if (prepared) {
    if (!(unlessSet && key in prepared.headers)) prepared.headers[key] = value;
  } else if (!(unlessSet && response.headers.has(key))) {
    response.headers.set(key, value);
  }
}

function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

/** Runs `handler` for a Node request and writes its answer; a client that goes away aborts the request's signal (ending a held poll). */
export async function serveDirect(req: IncomingMessage, res: ServerResponse, handler: RouteHandler): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const request = new Request(new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`), {
    method,
    headers: webHeaders(req),
    signal: aborted.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
  directRequests.add(request);
  let response: Response;
  try {
    response = await handler(request, { params: Promise.resolve({}) });
  } catch (error) {
    // The route wrappers answer every error themselves; this is only for a bug in them.
    console.error(`[server] ${method} ${request.url.split("?")[0]} failed: ${error instanceof Error ? error.message : String(error)}`);
    response = Response.json({ error: { code: "internal", message: "Internal error" } }, { status: 500 });
  }
  if (res.destroyed) return;
  const prepared = preparedAnswers.get(response);
  const body = prepared ? (prepared.text === null ? null : Buffer.from(prepared.text)) : response.body ? Buffer.from(await response.arrayBuffer()) : null;
  for (const [name, value] of FRAME_AND_SNIFF_HEADERS) res.setHeader(name, value);
  if (prepared) for (const name in prepared.headers) res.setHeader(name, prepared.headers[name]!);
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (body) res.setHeader("content-length", body.byteLength);
  res.writeHead(response.status);
  res.end(body);
}
