/**
 * Gauges that describe the whole fleet, read from Postgres at scrape time (so every replica
 * reports the same values): nodes by status and by what their hosts reported, and the soonest
 * certificate expiry. In a registry of their own, read by the /metrics route beside the replica's
 * own metrics: those are summed over a replica's worker processes (worker-metrics.ts), and these,
 * the same everywhere, must be read once per scrape and never summed.
 */
import { Gauge, Registry } from "prom-client";
import { db } from "@/lib/db/client";

const holder = globalThis as { __ncFleetGauges?: Registry };

export function fleetGauges(): Registry {
  return (holder.__ncFleetGauges ??= create());
}

function create(): Registry {
  const registry = new Registry();
  new Gauge({
    name: "nc_nodes",
    help: "Nodes by status and by what their hosts last reported (applied, behind, down, offline, never)",
    labelNames: ["status", "host"] as const,
    registers: [registry],
    async collect() {
      // The same reading as lib/nodes/host-status.ts, in one query for the whole fleet.
      const rows = await db.$queryRaw<Array<{ status: string; host: string; n: number }>>`
        SELECT n.status::text AS status,
               CASE WHEN n.status <> 'active' THEN n.status::text
                    WHEN n."lastSeenAt" IS NULL THEN 'never'
                    WHEN n."lastSeenAt" < now() - make_interval(secs => net."pollSeconds" * 1.5 + 2) THEN 'offline'
                    WHEN n."nebulaState" IN ('stopped', 'failed') THEN 'down'
                    WHEN n."appliedEtag" = n."renderedEtag" AND n."renderedRevision" = net."configRevision" THEN 'applied'
                    ELSE 'behind' END AS host,
               count(*)::int AS n
        FROM "Node" n JOIN "Network" net ON net.id = n."networkId"
        GROUP BY 1, 2`;
      this.reset();
      for (const r of rows) this.set({ status: r.status, host: r.host }, r.n);
    },
  });
  new Gauge({
    name: "nc_certificate_soonest_expiry_timestamp_seconds",
    help: "When the first unrevoked host certificate expires (Unix time); 0 when there is none",
    registers: [registry],
    async collect() {
      const rows = await db.$queryRaw<Array<{ t: Date | null }>>`SELECT min("notAfter") AS t FROM "Certificate" WHERE "revokedAt" IS NULL AND "nodeId" IS NOT NULL`;
      this.set(rows[0]?.t ? rows[0].t.getTime() / 1000 : 0);
    },
  });
  return registry;
}
