/**
 * server.ts when it cannot serve: a process (or a replica's worker) that fails where it would start
 * serving exits, rather than running on without serving (Next logs uncaught exceptions and keeps
 * the process alive), and a replica of several workers whose workers all die before they ever
 * served stops with code 1 instead of starting them again forever. In the lab stage because it
 * needs the production build, which the integration stage runs before; the lab's namespaces are
 * not used.
 */
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

function startServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "server.ts"],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", HOST: "127.0.0.1", ...env }, timeout: 120_000 },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

let taken: Server | null = null;

/** A port something else already listens on. */
async function takenPort(): Promise<number> {
  taken = createServer();
  await new Promise<void>((resolve) => taken!.listen(0, "127.0.0.1", resolve));
  return (taken.address() as { port: number }).port;
}

afterEach(() => {
  taken?.close();
  taken = null;
});

describe("server.ts when it cannot serve", () => {
  it("exits 1 when its port is taken, naming it, instead of running on without serving", async () => {
    const port = await takenPort();
    const { code, stderr } = await startServer({ PORT: String(port), NEXTAUTH_URL: `http://127.0.0.1:${port}` });
    expect(stderr).toContain(`[server] cannot serve on 127.0.0.1:${port}: listen EADDRINUSE`);
    expect(code).toBe(1);
  }, 150_000);

  it("a replica of several workers stops, code 1, when its workers die before they ever serve", async () => {
    const port = await takenPort();
    const { code, stderr } = await startServer({ PORT: String(port), NEXTAUTH_URL: `http://127.0.0.1:${port}`, NC_WORKERS: "2" });
    expect(stderr).toContain(`[server] cannot serve on 127.0.0.1:${port}: bind EADDRINUSE`);
    expect(stderr).toMatch(/\[replica\] worker \d exited \(code 1\) before it served; stopping the replica/);
    expect(code).toBe(1);
  }, 150_000);
});
