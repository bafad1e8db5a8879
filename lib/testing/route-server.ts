/**
 * A plain Node HTTP server that hands requests to the app's real route handlers, for tests that
 * need a real client (curl, the agent) without building Next. Routes are matched by pattern.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CLIENT_IP_HEADER } from "@/lib/core/client-ip";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

async function body(req: IncomingMessage): Promise<ArrayBuffer | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
}

/**
 * The body as a stream, as Next hands it to route handlers: read only as the handler pulls. If the
 * handler stops early, the rest is never read and the socket is closed after the answer.
 */
function streamedBody(req: IncomingMessage): { stream: ReadableStream<Uint8Array> | undefined; unread: () => boolean } {
  if (req.method === "GET" || req.method === "HEAD") return { stream: undefined, unread: () => false };
  let cancelled = false;
  // Pulled one chunk at a time: Node reads no further from the socket than its small buffer.
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return {
    stream: new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value));
      },
      cancel() {
        // Not chunks.return(): that would destroy the socket before the answer is written.
        cancelled = true;
      },
    }),
    unread: () => cancelled || !req.complete,
  };
}

export async function startRouteServer(routes: Route[], options: { streamBodies?: boolean } = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    headers.set(CLIENT_IP_HEADER, req.socket.remoteAddress ?? "");
    const params = (route.pattern.exec(url.pathname)?.groups ?? {}) as Record<string, string>;
    const streamed = options.streamBodies ? streamedBody(req) : null;
    const init = streamed ? ({ method: req.method, headers, body: streamed.stream, duplex: "half" } as RequestInit) : { method: req.method, headers, body: await body(req) };
    const response = await route.handler(new Request(url, init), { params: Promise.resolve(params) });
    const responseHeaders = Object.fromEntries(response.headers.entries());
    // A body the handler refused to read to its end is not drained: the connection ends instead.
    if (streamed?.unread()) responseHeaders.connection = "close";
    res.writeHead(response.status, responseHeaders);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
