import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * server.ts checks every setting before it starts Next (or opens a database connection), so that
 * a typo stops it at once with the setting's name, instead of failing requests later: a NaN
 * certificate lifetime made every enrollment fail, a NaN nebula-cert timeout killed every run.
 * (What happens when it cannot serve needs a build: e2e/network/server-start.lab.test.ts.)
 */
function startServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "server.ts"],
      // Nothing that would let it get far: no database, and a port nothing else uses.
      { cwd: process.cwd(), env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_ENV: "production", PORT: "3997", DATABASE_URL: "postgres://nobody:x@127.0.0.1:1/none", ...env }, timeout: 60_000 },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe("server.ts start-up checks", () => {
  it.each([
    ["NC_HOST_CERT_HOURS", "1y", 'NC_HOST_CERT_HOURS must be a whole number of hours from 1 to 87600, not "1y"'],
    ["NEBULA_CERT_TIMEOUT_MS", "15s", 'NEBULA_CERT_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000, not "15s"'],
    ["PORT", "http", 'PORT must be a whole number from 1 to 65535, not "http"'],
    ["NC_WEBHOOK_CONCURRENCY", "0", 'NC_WEBHOOK_CONCURRENCY must be a whole number of deliveries from 1 to 100, not "0"'],
    ["NC_WORKERS", "0", 'NC_WORKERS must be a whole number of processes from 1 to 64, not "0"'],
  ])("refuses %s=%s, naming it, before it starts", async (name, value, message) => {
    const { code, stderr } = await startServer({ [name]: value });
    expect(stderr).toContain(`[server] configuration: ${message}`);
    expect(code).toBe(1);
  });
});
