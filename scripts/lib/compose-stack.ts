/**
 * A docker-compose.yml stack of this repository under a project name and .env of its own, as the
 * compose suite and the replica benchmark run it: the README's commands with COMPOSE_PROJECT_NAME
 * and COMPOSE_ENV_FILES set, HTTPS through Caddy's local CA to *.localhost names (which are this
 * machine), and each app replica's own /metrics.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { homedir } from "node:os";
import path from "node:path";
import { capture, captureOrThrow } from "./processes";

const ROOT = path.resolve(import.meta.dirname, "../..");

const runCommand = (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) => capture(cmd, args, { cwd: ROOT, env: opts.env, timeout: opts.timeoutMs });
export const mustRun = (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) => captureOrThrow(cmd, args, { cwd: ROOT, env: opts.env, timeout: opts.timeoutMs });

/** The suite's Docker engine, local stand-ins of the upstream images, and the compose plugin: each started or built only when missing. */
export async function prepareDockerEngine(): Promise<void> {
  for (const script of ["systemd-host/docker-engine.sh", "containers/standins.sh", "containers/compose-plugin.sh"]) {
    await mustRun("bash", [path.join(ROOT, "scripts", script)], { timeoutMs: 900_000 });
  }
}

const NPM_OFFLINE = path.join(ROOT, ".npm-offline");

/**
 * Containers cannot reach the npm registry here: image builds take this machine's npm cache from
 * .npm-offline/ (see the Dockerfile). Keep it staged across every `up --build` of one stack, or a
 * changed build context makes `npm ci` run again.
 */
export function stageNpmCacheForBuild(): void {
  removeStagedNpmCache();
  const cache = path.join(homedir(), ".npm", "_cacache");
  if (existsSync(cache)) cpSync(cache, path.join(NPM_OFFLINE, "_cacache"), { recursive: true });
}

export function removeStagedNpmCache(): void {
  rmSync(NPM_OFFLINE, { recursive: true, force: true });
}

/** The one line in the README's code blocks that starts with `prefix`, its trailing comment removed. */
export function readmeCommand(prefix: string): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const lines = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n")).filter((l) => l.startsWith(prefix));
  if (lines.length !== 1) throw new Error(`the README has ${lines.length} command lines starting with "${prefix}"`);
  return lines[0]!.replace(/\s+#.*$/, "").trim();
}

export interface Answer {
  status: number;
  text: string;
  json(): Record<string, unknown>;
}

export class ComposeStack {
  readonly env: NodeJS.ProcessEnv;
  private agent: https.Agent | undefined;

  /** `home` is where ~ in the README's commands points (a scratch folder). */
  constructor(
    readonly project: string,
    readonly envFile: string,
    home: string,
  ) {
    // Only what the commands need: compose takes a variable from the environment before the .env
    // file, so a caller's own NC_MASTER_KEY or NEXTAUTH_SECRET (the test runner has both) would
    // silently replace the stack's.
    const keep = Object.entries(process.env).filter(([k]) => /^(PATH|LANG|LC_[A-Z]+|TZ|TMPDIR|DOCKER_HOST|DOCKER_CONFIG)$/.test(k));
    this.env = { ...Object.fromEntries(keep), NODE_ENV: process.env.NODE_ENV, COMPOSE_PROJECT_NAME: project, COMPOSE_ENV_FILES: envFile, NC_ENV_FILE: envFile, HOME: home };
  }

  /** A README command, run as a person pastes it: bash, in the repository. */
  readme(prefix: string, replace: Record<string, string> = {}, timeoutMs = 900_000): Promise<string> {
    let text = readmeCommand(prefix);
    for (const [k, v] of Object.entries(replace)) text = text.replace(k, v);
    return mustRun("bash", ["-euo", "pipefail", "-c", text], { env: this.env, timeoutMs });
  }

  compose(args: string[], timeoutMs = 300_000): Promise<string> {
    return mustRun("docker", ["compose", ...args], { env: this.env, timeoutMs });
  }

  /** Sets NAME=value lines in the stack's .env, as an operator edits it. */
  editEnv(settings: Record<string, string>): void {
    let text = readFileSync(this.envFile, "utf8");
    for (const [k, v] of Object.entries(settings)) {
      const pattern = new RegExp(`^${k}=.*$`, "m");
      text = pattern.test(text) ? text.replace(pattern, `${k}=${v}`) : `${text.trimEnd()}\n${k}=${v}\n`;
    }
    writeFileSync(this.envFile, text, { mode: 0o600 });
  }

  envValue(k: string): string {
    return new RegExp(`^${k}=(.*)$`, "m").exec(readFileSync(this.envFile, "utf8"))?.[1] ?? "";
  }

  /** Whatever an earlier, interrupted run left under this project: found by compose's label. */
  async removeLeftovers(): Promise<void> {
    const label = `label=com.docker.compose.project=${this.project}`;
    const ids = async (kind: string[]) => (await runCommand("docker", [...kind, "--filter", label], { timeoutMs: 60_000 })).stdout.split("\n").filter(Boolean);
    const containers = await ids(["ps", "-aq"]);
    if (containers.length) await runCommand("docker", ["rm", "-f", ...containers], { timeoutMs: 120_000 });
    const volumes = await ids(["volume", "ls", "-q"]);
    if (volumes.length) await runCommand("docker", ["volume", "rm", "-f", ...volumes], { timeoutMs: 60_000 });
    const networks = await ids(["network", "ls", "-q"]);
    if (networks.length) await runCommand("docker", ["network", "rm", ...networks], { timeoutMs: 60_000 });
  }

  /** Trusts the proxy's current local root (a new one after `down -v`), read from its volume. */
  async trustProxyRoot(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 120 && Date.now() < deadline; i++) {
      const r = await runCommand("docker", ["compose", "exec", "-T", "proxy", "cat", "/data/caddy/pki/authorities/local/root.crt"], { env: this.env, timeoutMs: 30_000 });
      if (r.code === 0 && r.stdout.includes("BEGIN CERTIFICATE")) {
        this.agent?.destroy();
        this.agent = new https.Agent({
          ca: r.stdout,
          keepAlive: true,
          maxSockets: 512,
          // *.localhost is this machine (as browsers and curl resolve it; glibc does not).
          lookup: ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
            opts?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4)) as never,
        });
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error("Caddy's local root certificate did not appear");
  }

  /** HTTPS through the proxy. A connection cut short (a killed replica) answers status 0. */
  call(method: string, url: string, opts: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
    const agent = this.agent;
    if (!agent) throw new Error("call trustProxyRoot() first");
    return new Promise((resolve) => {
      const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const headers = { ...(body ? { "content-type": "application/json" } : {}), ...opts.headers };
      const req = https.request(url, { method, agent, timeout: opts.timeoutMs ?? 60_000, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) as Record<string, unknown> }));
        res.on("error", () => resolve({ status: 0, text, json: () => ({}) }));
      });
      req.on("error", (e) => resolve({ status: 0, text: String(e), json: () => ({}) }));
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.end(body);
    });
  }

  close(): void {
    this.agent?.destroy();
  }

  /** The app replicas' container ids. */
  async replicas(): Promise<string[]> {
    return (await this.compose(["ps", "-q", "app"])).split("\n").map((s) => s.trim()).filter(Boolean);
  }

  /** The sum of metric `name` over the series whose labels include `labels`, from one replica's own /metrics. */
  async metric(container: string, name: string, labels: string): Promise<number> {
    const script = "fetch('http://127.0.0.1:3000/metrics',{headers:{authorization:'Bearer '+process.env.METRICS_TOKEN}}).then(r=>r.text()).then(t=>process.stdout.write(t))";
    const text = await mustRun("docker", ["exec", container, "node", "-e", script], { timeoutMs: 30_000 });
    return text
      .split("\n")
      .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
      .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
  }

  async psql(sql: string, database = "nebula"): Promise<string> {
    return (await this.compose(["exec", "-T", "postgres", "psql", "-U", "nebula", "-d", database, "-At", "-c", sql])).trim();
  }
}
