/** /metrics and /readyz, through their real handlers against the real database. */
import { afterEach, describe, expect, it } from "vitest";
import * as metricsRoute from "@/app/metrics/route";
import * as readyRoute from "@/app/readyz/route";
import * as networks from "@/app/api/v1/networks/route";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";
import { readiness, shippedMigrations } from "@/lib/db/readiness";
import { routeLabel } from "./registry";

const saved = process.env.METRICS_TOKEN;
afterEach(() => {
  process.env.METRICS_TOKEN = saved;
});

const scrape = (token?: string) => metricsRoute.GET(new Request("http://localhost/metrics", { headers: token ? { authorization: `Bearer ${token}` } : {} }));

describe("/metrics", () => {
  it("is off without METRICS_TOKEN, and refuses a wrong token", async () => {
    delete process.env.METRICS_TOKEN;
    expect((await scrape("anything")).status).toBe(404);
    process.env.METRICS_TOKEN = "metrics-token-for-tests";
    expect((await scrape()).status).toBe(401);
    expect((await scrape("metrics-token-for-test")).status).toBe(401);
  });

  it("reports requests by route and status, nebula-cert durations, nodes by state and the soonest expiry", async () => {
    process.env.METRICS_TOKEN = "metrics-token-for-tests";
    const admin = await createTestUser();
    // Called as the test harness calls handlers, at /api/test.
    const r = await call(networks.POST, "POST", { as: admin, body: { name: "metrics", cidr: freshCidr() } });
    expect(r.status).toBe(201);
    const res = await scrape("metrics-token-for-tests");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/nc_http_requests_total\{route="\/api\/test",method="POST",status="201"\} [1-9]/);
    expect(text).toMatch(/nc_nebula_cert_duration_seconds_count\{subcommand="ca",result="ok"\} [1-9]/);
    expect(text).toContain("# TYPE nc_nodes gauge");
    expect(text).toContain("# TYPE nc_certificate_soonest_expiry_timestamp_seconds gauge");
    expect(text).toContain("# TYPE nc_node_polls_not_modified_ratio gauge");
    expect(text).toContain("nc_process_");
  });

  it("labels routes without ids or tokens", () => {
    expect(routeLabel("/api/v1/networks/0b6f3f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/nodes")).toBe("/api/v1/networks/:id/nodes");
    expect(routeLabel(`/join/ncj_${"a".repeat(43)}/install.sh`)).toBe("/join/:token/install.sh");
  });
});

describe("/readyz", () => {
  it("is ready when the database answers and every shipped migration is applied", async () => {
    const res = await readyRoute.GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
    expect(shippedMigrations().length).toBeGreaterThanOrEqual(4);
  });

  it("is not ready while a migration of this build is missing from the database", async () => {
    expect(await readiness([...shippedMigrations(), "29991231000000_from_the_future"])).toEqual({ ready: false, reason: "migrations not applied yet: 29991231000000_from_the_future" });
  });
});
