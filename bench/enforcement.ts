/**
 * Rule change to enforcement, at the network's shortest poll interval (5 s): real nebula hosts in
 * the network lab's namespaces, one enrolled by the join page's one-liner (the POSIX agent), one by
 * nc-agent, and a client in group "client". Each of 10 rounds adds an inbound rule for a new port
 * from group client, then measures until the client's TCP connect to each host succeeds.
 *
 * Baseline, in the same run: a third host running bare nebula with no agent at all, whose new
 * config is fetched and SIGHUP'd the moment the API call returns. That is the floor set by the
 * control plane and nebula themselves; the agents add the wait for their next poll (half an
 * interval on average, one at most) and their own apply.
 *
 * Needs root (namespaces, tun); runs the app a second time on the lab's bridge address.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { nebulaVersions } from "@/lib/testing/nebula-binaries";
import { BENCH_AUTH_SECRET, startAppAt } from "./app-server";
import { formatMs, summarize } from "./measure";
import { printReport } from "./table";

const PORT = 3302;
const POLL_SECONDS = 5;
const ROUNDS = 10;
const FIRST_PORT = 7101;
const NODES = ["lh1", "sh1", "ag1", "bare1", "client1"] as const;
const ROUND_TIMEOUT_MS = 30_000;
const execFileAsync = promisify(execFile);

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("[bench] enforcement: skipped, it needs root for network namespaces");
    return;
  }
  const { Lab, UNDERLAY_HOST } = await import("../e2e/network/lab");
  const v = nebulaVersions[nebulaVersions.length - 1]!;
  const lab = await Lab.create([...NODES]);
  const publicUrl = `http://${UNDERLAY_HOST}:${PORT}`;
  // The current release on hosts and server alike (v2 certificates need its nebula-cert).
  const savedCertBin = process.env.NEBULA_CERT_BIN;
  process.env.NEBULA_CERT_BIN = v.nebulaCert;
  const app = await startAppAt({ host: "0.0.0.0", port: PORT, publicUrl }).catch((error: unknown) => {
    lab.destroy();
    throw error;
  });
  try {
    process.env.LAB_APP_URL = publicUrl;
    process.env.NEXTAUTH_SECRET = BENCH_AUTH_SECRET;
    await measure(lab, publicUrl, v);
  } finally {
    lab.destroy();
    await app.stop();
    process.env.NEBULA_CERT_BIN = savedCertBin;
  }
}

async function measure(lab: import("../e2e/network/lab").Lab, publicUrl: string, v: (typeof nebulaVersions)[number]): Promise<void> {
  const { Api, commandFromPage, joinPage, waitFor } = await import("../e2e/network/lab-api");
  const { enrollWithAgent, pathWith, runOneLiner, startAgent, startListeners, tcpConnects } = await import("../e2e/network/lab-hosts");
  const { createTestUser } = await import("@/lib/testing/api-harness");
  const modern = !v.label.startsWith("1.6");
  const api = new Api(await createTestUser({ name: "bench-enforcement" }));
  const { network } = await api.call("POST", "/api/v1/networks", { name: `bench enforcement ${lab.id}`, cidr: "10.216.1.0/24", nebulaTarget: modern ? "1.10" : "1.6", certVersion: modern ? 2 : 1 });
  const base = `/api/v1/networks/${network.id}`;
  await api.call("PATCH", base, { pollSeconds: POLL_SECONDS });
  await api.call("POST", `${base}/groups`, { name: "client" });
  const link = async (body: object) => (await api.call("POST", `${base}/links`, { maxUses: 1, ...body })).joinUrl as string;
  const agentBin = path.resolve(import.meta.dirname, "..", "dist", "agent", "nc-agent.mjs");
  const dirOf = (n: string) => path.join(lab.tmpDir, n);
  const env = pathWith([v.nebula, v.nebulaCert]);
  const must = (what: string, r: { code: number; stdout: string; stderr: string }) => {
    if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stdout}${r.stderr}`);
  };

  const lh = lab.node("lh1");
  must("lh1 enroll", await enrollWithAgent(lab, lh, { agentBin, joinUrl: await link({ isLighthouse: true, endpoints: [`${lh.ip}:4242`], listenPort: 4242, fixedName: "lh1" }), dir: dirOf("lh1"), hostname: "lh1", nebulaCert: v.nebulaCert }));
  for (const [name, body] of [["ag1", {}], ["bare1", {}], ["client1", { presetGroups: ["client"] }]] as const) {
    must(`${name} enroll`, await enrollWithAgent(lab, lab.node(name), { agentBin, joinUrl: await link(body), dir: dirOf(name), hostname: name, nebulaCert: v.nebulaCert }));
  }
  for (const name of ["lh1", "ag1", "client1"]) startAgent(lab, lab.node(name), { agentBin, dir: dirOf(name), nebula: v.nebula, nebulaCert: v.nebulaCert, cwd: process.cwd() });
  const oneLiner = commandFromPage(await joinPage(await link({})), "oneliner-root");
  must("the one-liner", await runOneLiner(lab, lab.node("sh1"), { hostname: "sh1", dir: dirOf("sh1"), command: oneLiner, env }));

  // The baseline host: bare nebula, its files fetched by hand with its own credential.
  const bare = JSON.parse(readFileSync(path.join(dirOf("bare1"), "agent.json"), "utf8")) as { credential: string };
  const pushBareConfig = async () => {
    const res = await fetch(`${publicUrl}/api/v1/node/config?dir=${encodeURIComponent(dirOf("bare1"))}`, { headers: { authorization: `Bearer ${bare.credential}` } });
    const body = (await res.json()) as { config: string; ca: string; certificate: string };
    writeFileSync(path.join(dirOf("bare1"), "ca.crt"), body.ca);
    writeFileSync(path.join(dirOf("bare1"), "host.crt"), body.certificate);
    writeFileSync(path.join(dirOf("bare1"), "config.yml"), body.config, { mode: 0o600 });
  };
  await pushBareConfig();
  const bareNebula = lab.spawnIn(lab.node("bare1").ns, v.nebula, ["-config", path.join(dirOf("bare1"), "config.yml")], { logFile: path.join(dirOf("bare1"), "nebula.log") });

  const ports = Array.from({ length: ROUNDS }, (_, i) => FIRST_PORT + i);
  for (const name of ["sh1", "ag1", "bare1"]) startListeners(lab, lab.node(name), ports, path.join(dirOf(name), "listener.log"));
  const { nodes } = await api.call("GET", `${base}/nodes`);
  const ipOf = (name: string) => (nodes as Array<{ name: string; ip: string }>).find((n) => n.name === name)!.ip;
  const client = lab.node("client1");
  for (const name of ["sh1", "ag1", "bare1"]) {
    await waitFor(`client1 -> ${name} over the overlay`, async () => (await lab.exec(client.ns, "ping", ["-c", "1", "-W", "1", ipOf(name)], { timeout: 5_000 })).code === 0, { timeoutMs: 60_000, intervalMs: 500 });
  }

  const samples: Record<string, number[]> = { sh1: [], ag1: [], bare1: [] };
  for (const [round, port] of ports.entries()) {
    // A random pause, so that the change lands at a random point of each agent's poll cycle.
    await new Promise((r) => setTimeout(r, Math.random() * POLL_SECONDS * 1000));
    const t0 = performance.now();
    await api.call("POST", `${base}/rules`, { direction: "inbound", port: String(port), proto: "tcp", peer: { kind: "group", group: "client" }, description: `bench round ${round + 1}` });
    await pushBareConfig();
    if (bareNebula.pid) process.kill(bareNebula.pid, "SIGHUP");
    await Promise.all(
      (["sh1", "ag1", "bare1"] as const).map(async (name) => {
        await waitFor(`client1 -> ${name}:${port}`, () => tcpConnects(lab, client, ipOf(name), port, 1), { timeoutMs: ROUND_TIMEOUT_MS, intervalMs: 100 });
        samples[name]!.push(performance.now() - t0);
      }),
    );
  }

  const row = (label: string, xs: number[]) => {
    const s = summarize(xs);
    return [label, String(s.count), formatMs(s.p50), formatMs(s.mean), formatMs(s.max)];
  };
  const version = (await execFileAsync(v.nebula, ["-version"])).stdout.trim().split("\n")[0] ?? v.label;
  printReport({
    title: `rule change -> enforced on the host (nebula ${version}, poll interval ${POLL_SECONDS} s)`,
    goal: `within one poll interval (${POLL_SECONDS} s + jitter and apply); the baseline is the control plane plus nebula's own reload, without waiting for a poll`,
    columns: ["host", "changes", "p50", "mean", "max"],
    rows: [row("one-liner host (POSIX agent)", samples.sh1!), row("nc-agent host", samples.ag1!), row("baseline: bare nebula, pushed + SIGHUP at once", samples.bare1!)],
    notes: ["each round adds an inbound tcp rule for a new port from group client; timed from the API call to the first TCP connect that succeeds (tried every 100 ms)"],
  });
}
