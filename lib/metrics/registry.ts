/**
 * The app's Prometheus metrics (prom-client). One registry per process, kept on globalThis so the
 * route bundles of one server share it; each replica reports its own counters. Free of database
 * imports, so the code paths it counts (nebula-cert, rate limits) stay light: the fleet gauges,
 * read from Postgres at scrape time, live in fleet-gauges.ts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface AppMetrics {
  registry: Registry;
  httpRequests: Counter<"route" | "method" | "status">;
  polls: Counter<"answer">;
  enrollments: Counter<"result">;
  enrollSignedAhead: Counter<"outcome">;
  nebulaCertSeconds: Histogram<"subcommand" | "result">;
  rateLimitHits: Counter<"limit">;
  longPollsWaiting: Gauge;
  longPolls: Counter<"end">;
  connectionsDropped: Counter;
}

/** Ids and tokens out of paths, so a route is one label value, not one per node. */
export function routeLabel(pathname: string): string {
  return pathname
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ":id")
    .replace(/nc[jn]_[A-Za-z0-9_-]{43}/g, ":token")
    .slice(0, 120);
}

function create(): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "nc_process_" });
  const polls = new Counter({ name: "nc_node_polls_total", help: "Config polls by answer (200 config, 304 unchanged, 202 pending, or an error status)", labelNames: ["answer"] as const, registers: [registry] });
  const m: AppMetrics = {
    registry,
    httpRequests: new Counter({ name: "nc_http_requests_total", help: "API requests by route, method and status", labelNames: ["route", "method", "status"] as const, registers: [registry] }),
    polls,
    enrollments: new Counter({ name: "nc_enrollments_total", help: "Enrollments by result (ok, or the error code)", labelNames: ["result"] as const, registers: [registry] }),
    enrollSignedAhead: new Counter({
      name: "nc_enroll_signed_ahead_total",
      help: "Certificates an idle replica signed while an enrollment's preflight ran, by outcome (used; discarded when the preflight admitted other inputs or refused; failed)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    nebulaCertSeconds: new Histogram({
      name: "nc_nebula_cert_duration_seconds",
      help: "How long nebula-cert runs take, by subcommand and result",
      labelNames: ["subcommand", "result"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    rateLimitHits: new Counter({ name: "nc_rate_limit_hits_total", help: "Requests refused by a rate limit, by limit", labelNames: ["limit"] as const, registers: [registry] }),
    longPollsWaiting: new Gauge({ name: "nc_long_polls_waiting", help: "Config polls held open on this replica until something changes", registers: [registry] }),
    longPolls: new Counter({
      name: "nc_long_polls_total",
      help: "Long polls by how they ended (changed, timeout, aborted; refused when this replica held its maximum, unavailable when it could not LISTEN)",
      labelNames: ["end"] as const,
      registers: [registry],
    }),
    connectionsDropped: new Counter({
      name: "nc_connections_dropped_total",
      help: "Connections this replica closed as soon as they arrived, because it held its maximum (its open-file limit less a reserve for the database)",
      registers: [registry],
    }),
  };
  new Gauge({
    name: "nc_node_polls_not_modified_ratio",
    help: "Share of this replica's polls answered 304 (nothing changed)",
    registers: [registry],
    // Over a replica's worker processes (worker-metrics.ts): a share, not a count.
    aggregator: "average",
    async collect() {
      const values = (await polls.get()).values;
      const total = values.reduce((s, v) => s + v.value, 0);
      const unchanged = values.filter((v) => v.labels.answer === "304").reduce((s, v) => s + v.value, 0);
      this.set(total ? unchanged / total : 0);
    },
  });
  return m;
}

const holder = globalThis as { __ncMetrics?: AppMetrics };

export function metrics(): AppMetrics {
  return (holder.__ncMetrics ??= create());
}
