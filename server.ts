/**
 * The app's HTTP server: Next.js behind a plain Node server, so that the socket's peer address can
 * be handed to route handlers (Next itself no longer exposes it). Run with `tsx server.ts`. With
 * NC_WORKERS above 1, this process becomes the replica's primary and runs the app in that many
 * worker processes, each of which runs this file again (lib/core/replica-primary.ts).
 */
import cluster from "node:cluster";
import { createServer } from "node:http";
import { CLIENT_IP_HEADER } from "./lib/core/client-ip";
import { AuthConfigError, authMode, sessionLifetimes } from "./lib/auth/auth-config";
import { setupLink } from "./lib/auth/setup-code";
import { hotPathPool } from "./lib/db/pg-pool";
import { poolSizes } from "./lib/db/pool-sizes";
import { enrollLimits } from "./lib/enroll/enroll-limits";
import { configChangeFeed } from "./lib/db/config-change-feed";
import { configureConnections, connectionCap, DEFAULT_MAX_WAITING, longPollMaxWaiting, openFileLimit } from "./lib/enroll/long-poll-limit";
import { refuseUnsupportedMethod } from "./lib/api/unsupported-method";
import { everyResponseHeaders } from "./lib/api/security-headers";
import { startWebhookWorker, workerSettings, type WebhookWorker } from "./lib/webhooks/worker";
import { retrySettings } from "./lib/webhooks/queue";
import { urlPolicyFromEnv } from "./lib/webhooks/url-safety";
import { auditRetentionDays, startAuditRetention } from "./lib/audit/audit-retention";
import { serveDirect, type RouteHandler } from "./lib/api/direct-route";
import { portSetting } from "./lib/core/whole-number-setting";
import { hostCertHours } from "./lib/pki/certificate-service";
import { nebulaCertTimeoutMs } from "./lib/pki/nebula-cert";
import { apiTokenLimitPerMinute } from "./lib/auth/api-tokens";
import { inReplicaWorker, replicaWorkerCount, replicaWorkerIndex } from "./lib/core/replica-workers";
import { answerMetricsRequests } from "./lib/metrics/worker-metrics";

const dev = process.argv.includes("--dev");
const hostname = process.env.HOST ?? "0.0.0.0";

// A configuration that does not add up stops the server here, not at the first request.
let mode: ReturnType<typeof authMode>;
let port: number;
let workers: number;
try {
  port = portSetting(process.env, "PORT", 3000);
  workers = replicaWorkerCount();
  mode = authMode();
  sessionLifetimes();
  enrollLimits();
  poolSizes();
  hostCertHours();
  nebulaCertTimeoutMs();
  apiTokenLimitPerMinute();
  workerSettings();
  const held = longPollMaxWaiting();
  // Said once, so an operator whose replicas hold fewer polls than they expect sees why.
  if (held < DEFAULT_MAX_WAITING && !process.env.NC_LONG_POLL_MAX_WAITING?.trim() && !inReplicaWorker()) {
    const per = workers > 1 ? ` in each of its ${workers} worker processes` : "";
    console.log(`[server] long polling: up to ${held} held polls on this replica${per} (the open-file limit is ${openFileLimit()}, connections are capped at ${connectionCap()}); past that, hosts poll every interval`);
  }
  retrySettings();
  urlPolicyFromEnv();
  auditRetentionDays();
} catch (error) {
  console.error(`[server] ${error instanceof AuthConfigError ? "" : "configuration: "}${(error as Error).message}`);
  process.exit(1);
}

// Development runs one process: Next's dev server compiles as it goes and is not made to be shared.
if (dev && workers > 1) console.log(`[server] NC_WORKERS=${workers} is ignored in development: one process`);
if (cluster.isPrimary && workers > 1 && !dev) {
  const { runReplicaPrimary } = await import("./lib/core/replica-primary");
  runReplicaPrimary(workers);
} else {
  await serveApp();
}

/** The app itself: in this process, or in each worker of a replica that runs several. */
async function serveApp() {
  // Imported here: a replica's primary never loads Next.
  const { default: next } = await import("next");
  const app = next({ dev, hostname, port });
  await app.prepare();
  const handle = app.getRequestHandler();

  const securityHeaders = Object.entries(everyResponseHeaders(process.env.NEXTAUTH_URL));

  /**
   * The agents' hot routes, served by their own handlers without Next's router (lib/api/direct-route.ts):
   * a change wakes thousands of held polls at once, and Next's per-request work was most of each
   * answer's CPU. Not in development, where Next recompiles the routes as they are edited. Imported
   * only now: the routes' modules need what Next sets up when it starts.
   */
  const directRoutes = new Map<string, RouteHandler>(
    dev
      ? []
      : [
          ["GET /api/v1/node/config", (await import("./app/api/v1/node/config/route")).GET as RouteHandler],
          ["POST /api/v1/enroll", (await import("./app/api/v1/enroll/route")).POST as RouteHandler],
        ],
  );

  function directRouteFor(req: { method?: string; url?: string }): RouteHandler | undefined {
    if (directRoutes.size === 0 || !req.url) return undefined;
    const query = req.url.indexOf("?");
    return directRoutes.get(`${req.method} ${query === -1 ? req.url : req.url.slice(0, query)}`);
  }

  const server = createServer((req, res) => {
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    // Whatever the client claims is discarded; only the socket is believed.
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "";
    if (refuseUnsupportedMethod(req, res)) return;
    const direct = directRouteFor(req);
    if (direct) void serveDirect(req, res, direct);
    else void handle(req, res);
  });
  // Connections never take the descriptors the database needs: without a cap, a change's wake-up of
  // 15,000 held polls left a replica failing to open database connections (EMFILE, 500s).
  configureConnections(server);
  // Next handles uncaught exceptions by logging them, so a port already taken would leave a process
  // that serves nothing; it exits instead (in a worker, its primary then stops the replica).
  server.on("error", (error) => {
    console.error(`[server] cannot serve on ${hostname}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, hostname, () => {
    const worker = inReplicaWorker() ? `, worker ${replicaWorkerIndex()}` : "";
    console.log(`[server] Nebula Commander on http://localhost:${port} (${dev ? "development" : "production"}, ${mode} sign-in${worker})`);
    if (runsJobs) void announceSetup();
  });

  // The replica's background jobs run in one process of it: its only one, or its first worker.
  const runsJobs = replicaWorkerIndex() === 0;
  // In a worker, the primary asks for this process's metrics when /metrics is scraped.
  if (inReplicaWorker()) answerMetricsRequests();
  // One webhook worker per replica; the queue is in Postgres, so they share the work.
  let webhookWorker: WebhookWorker | null = null;
  if (runsJobs) {
    startWebhookWorker().then(
      (worker) => (webhookWorker = worker),
      (error: unknown) => console.error(`[server] the webhook worker did not start: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
  // Hourly, on every replica; the prune itself makes sure only one of them works at a time.
  const stopAuditRetention = runsJobs ? startAuditRetention() : null;

  /** Until the first admin exists, the log says how to create one: the setup page needs this code. */
  async function announceSetup() {
    if (mode !== "local") return;
    try {
      const { rows } = await hotPathPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM "User" WHERE issuer = 'local'`);
      if (rows[0]?.n === 0) {
        console.log(`[server] No administrator yet. Create one at ${setupLink(process.env.NEXTAUTH_URL ?? `http://localhost:${port}`)} (the setup code is only in this log).`);
      }
    } catch (error) {
      console.error(`[server] could not check whether first-run setup is needed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stopAuditRetention?.();
      // Attempts in flight are failed back to the queue, so another replica retries them.
      const stopWorker = webhookWorker ? webhookWorker.stop().catch(() => undefined) : Promise.resolve();
      server.close(() => void stopWorker.then(() => process.exit(0)));
      // Held polls are answered now (their hosts poll again, elsewhere), so they do not hold up the exit.
      void configChangeFeed().close();
    });
  }
}
