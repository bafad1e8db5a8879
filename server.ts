/**
 * The app's HTTP server: Next.js behind a plain Node server, so that the socket's peer address can
 * be handed to route handlers (Next itself no longer exposes it). Run with `tsx server.ts`.
 */
import { createServer } from "node:http";
import next from "next";
import { CLIENT_IP_HEADER } from "./lib/api/client-ip";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";

const app = next({ dev, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

const server = createServer((req, res) => {
  // Whatever the client claims is discarded; only the socket is believed.
  req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "";
  void handle(req, res);
});
server.listen(port, hostname, () => console.log(`[server] Nebula Commander on http://localhost:${port} (${dev ? "development" : "production"})`));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
