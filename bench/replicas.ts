/**
 * Scale-out, measured: enrollments per second through the compose stack's TLS proxy (Caddy) with
 * one app replica and then with two, in the same run, over one Postgres. Baseline beside it: a bare
 * route (GET /api/health, no database) through the same proxy at the same replica counts, which
 * says what the proxy and TLS alone allow. Needs root and Docker (the suite's engine and local
 * stand-ins, as the compose suite uses them); the stack is removed afterwards.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ComposeStack, mustRun, prepareDockerEngine, removeStagedNpmCache, stageNpmCacheForBuild } from "../scripts/lib/compose-stack";
import { forEachParallel, formatMs, percentile } from "./measure";
import { printReport } from "./table";

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const ENROLLMENTS = 150;
const HEALTH_REQUESTS = 600;
const CONCURRENCY = 8;
const HTTPS_PORT = 28443;
const APP_URL = `https://nc.localhost:${HTTPS_PORT}`;

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

async function measure(count: number, parallel: number, request: (i: number) => Promise<boolean>): Promise<Figures> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  await forEachParallel(count, parallel, async (i) => {
    const t = performance.now();
    if (!(await request(i))) failed++;
    latencies.push(performance.now() - t);
  });
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failed };
}

async function hostKeys(dir: string, count: number, offset: number): Promise<string[]> {
  const bin = process.env.NEBULA_CERT_BIN || "/usr/bin/nebula-cert";
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = path.join(dir, `k${offset + i}`);
    await execFileAsync(bin, ["keygen", "-out-key", `${base}.key`, "-out-pub", `${base}.pub`], { timeout: 15_000 });
    keys.push(readFileSync(`${base}.pub`, "utf8"));
  }
  return keys;
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("[bench] replicas: skipped (needs root for the Docker engine)");
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), "nc-bench-replicas-"));
  const stack = new ComposeStack("nc-bench-replicas", path.join(work, "compose.env"), work);
  try {
    await prepareDockerEngine();
    await stack.removeLeftovers();
    await mustRun(path.join(ROOT, "deploy", "init-env.sh"), [], { env: stack.env });
    stack.editEnv({
      COMPOSE_PROFILES: "proxy",
      NC_APP_REPLICAS: "1",
      NC_PUBLIC_URL: APP_URL,
      KEYCLOAK_PUBLIC_URL: `https://sso.localhost:${HTTPS_PORT}`,
      APP_PORT: "23000-23009",
      KEYCLOAK_PORT: "28180",
      HTTP_PORT: "28080",
      HTTPS_PORT: String(HTTPS_PORT),
      PROXY_BIND_ADDRESS: "127.0.0.1",
      NC_SUBNET: "172.30.43.0/24",
      NC_DYNAMIC_RANGE: "172.30.43.128/25",
      NC_PROXY_IP: "172.30.43.10",
      NC_IMAGE: "nebula-commander:bench",
      // Every request comes from this one address: the limits would measure themselves.
      NC_ENROLL_LIMIT_PER_TOKEN: "1000000",
      NC_ENROLL_LIMIT_PER_ADDRESS: "1000000",
    });
    stageNpmCacheForBuild();
    try {
      console.log("[bench] replicas: building and starting the compose stack (app, Postgres, Keycloak, Caddy)");
      await stack.compose(["up", "-d", "--build", "--wait"], 1_800_000);
    } finally {
      removeStagedNpmCache();
    }
    await stack.trustProxyRoot();

    // The fixture is made in the stack's own database, sealed with the stack's master key.
    const pgId = (await stack.compose(["ps", "-q", "postgres"])).trim();
    const pgIp = (await mustRun("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", pgId])).trim();
    const fixtureEnv = { ...process.env, DATABASE_URL: `postgres://nebula:${stack.envValue("POSTGRES_PASSWORD")}@${pgIp}:5432/nebula`, NC_MASTER_KEY: stack.envValue("NC_MASTER_KEY"), NEBULA_CERT_BIN: "/usr/bin/nebula-cert" };
    const { token } = JSON.parse(await mustRun("npx", ["tsx", path.join(ROOT, "bench", "replicas-fixture.ts")], { env: fixtureEnv, timeoutMs: 120_000 })) as { token: string };
    const keyDir = path.join(work, "keys");
    mkdirSync(keyDir);

    const rows: string[][] = [];
    let firstFailure: string | undefined;
    let serial = 0;
    for (const replicas of [1, 2]) {
      if (replicas > 1) {
        stack.editEnv({ NC_APP_REPLICAS: String(replicas) });
        await stack.compose(["up", "-d", "--wait"], 600_000);
        // Caddy re-reads the replicas from Docker's DNS every 2 s.
        await new Promise((r) => setTimeout(r, 3_000));
      }
      const keys = await hostKeys(keyDir, ENROLLMENTS + 5, serial);
      const enroll = async (i: number) => {
        const answer = await stack.call("POST", `${APP_URL}/api/v1/enroll`, { body: { token, hostname: `r${replicas}-${serial + i}`, publicKeyPem: keys[i] } });
        if (answer.status !== 201) firstFailure ??= `${answer.status} ${answer.text.slice(0, 300)}`;
        return answer.status === 201;
      };
      await measure(5, 1, (i) => enroll(ENROLLMENTS + i)); // warm-up: JIT, pools, TLS sessions
      const health = await measure(HEALTH_REQUESTS, CONCURRENCY, async () => (await stack.call("GET", `${APP_URL}/api/health`)).status === 200);
      const enrolled = await measure(ENROLLMENTS, CONCURRENCY, enroll);
      serial += ENROLLMENTS + 5;
      rows.push([`${replicas} replica${replicas > 1 ? "s" : ""}: enrollments`, `${enrolled.perSecond.toFixed(1)}/s`, formatMs(enrolled.p50), formatMs(enrolled.p99), String(enrolled.failed)]);
      rows.push([`${replicas} replica${replicas > 1 ? "s" : ""}: GET /api/health (baseline)`, `${health.perSecond.toFixed(0)}/s`, formatMs(health.p50), formatMs(health.p99), String(health.failed)]);
    }
    if (firstFailure) console.log((await stack.compose(["logs", "--no-color", "--tail", "40", "app"])).split("\n").filter((l) => /error|Error|fail/.test(l)).slice(0, 12).join("\n"));
    printReport({
      title: "replicas: enrollments through the TLS proxy, one app replica and two",
      goal: "a second replica adds throughput (or, on a machine whose cores are already busy, costs little); no request fails",
      columns: ["path", "rate", "p50", "p99", "failed"],
      rows,
      notes: [
        `${ENROLLMENTS} enrollments (lease, nebula-cert sign, credential, audit, one transaction) and ${HEALTH_REQUESTS} health checks per replica count, ${CONCURRENCY} in flight, over HTTPS to Caddy, round-robin to the replicas, one Postgres`,
        "every container shares this machine's cores with the client and Postgres: on a 2-core machine the second replica mostly adds parallel nebula-cert runs, not cores",
        ...(firstFailure ? [`first failure: ${firstFailure}`] : []),
      ],
    });
  } finally {
    stack.close();
    await stack.compose(["down", "-v"], 300_000).catch((e: unknown) => console.error("[bench] replicas: compose down:", e));
    await stack.removeLeftovers();
    rmSync(work, { recursive: true, force: true });
    await mustRun("bash", [path.join(ROOT, "scripts", "systemd-host", "docker-engine.sh"), "stop"], { timeoutMs: 120_000 }).catch(() => undefined);
  }
}
