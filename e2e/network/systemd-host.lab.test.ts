/**
 * The one-liner under a real systemd: a Debian bookworm container with systemd as PID 1, run by a
 * dockerd this suite starts (scripts/systemd-host/), joined to the lab's bridge with a veth pair so
 * that it reaches the app at the same address the join links name. The join page's root command
 * runs in it as it is. Proves the unit the script installs: enabled, active, owning nebula (same
 * cgroup), accepted by `systemd-analyze verify`, applying a rule change with SIGHUP, coming back
 * by itself after a reboot (`docker restart`), and taking nebula down with it when stopped, which
 * the app reports as offline. For both nebula versions: Debian's 1.6.1 in the image, and the 1.10
 * build copied in ahead of it on PATH.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { createTestUser } from "@/lib/testing/api-harness";
import { nebulaVersions } from "@/lib/testing/nebula-binaries";
import { Lab, run, runOrThrow } from "./lab";
import { Api, APP_URL, commandFromPage, joinPage, waitFor, type Json } from "./lab-api";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HOST_SCRIPTS = path.join(ROOT, "scripts", "systemd-host");
const POLL_SECONDS = 5;
const ONE_POLL_BOUND_MS = POLL_SECONDS * 1.1 * 1000 + 3_000;

const sh = (cmd: string, args: string[], timeout = 60_000) => run(cmd, args, { timeout });
const must = (cmd: string, args: string[], timeout = 60_000) => runOrThrow(cmd, args, { timeout });

afterAll(async () => {
  // Only the engine this suite started (by its pidfile), never one that was running before.
  if (process.env.NC_KEEP_DOCKER !== "1") await sh("bash", [path.join(HOST_SCRIPTS, "docker-engine.sh"), "stop"], 60_000);
  await db.$disconnect();
});

describe.each(nebulaVersions)("the one-liner under systemd (nebula $label)", (v) => {
  const name = `nc-systemd-${v.label.startsWith("1.6") ? "161" : "cur"}`;
  const modern = !v.label.startsWith("1.6");
  let lab: Lab;
  let api: Api;
  let networkId = "";
  let nodeId = "";
  let slot = modern ? 31 : 21;
  let started = false;

  const inContainer = (args: string[], timeout = 60_000) => sh("docker", ["exec", name, ...args], timeout);
  const hostState = async () => (await api.call("GET", `/api/v1/networks/${networkId}/nodes/${nodeId}`)).node.host as Json;
  const nebulaPid = async () => Number((await inContainer(["cat", "/etc/nebula/nebula.pid"])).stdout.trim());
  /** The container's network namespace is new after every boot: join it to the bridge again. */
  const attach = async () => {
    const pid = Number((await must("docker", ["inspect", "-f", "{{.State.Pid}}", name])).trim());
    await lab.attachProcess(pid, slot++);
  };

  beforeAll(async () => {
    if (!APP_URL) throw new Error("set LAB_APP_URL to the running app (see e2e/network/README.md)");
    await must("bash", [path.join(HOST_SCRIPTS, "docker-engine.sh"), "start"], 900_000);
    await must("bash", [path.join(HOST_SCRIPTS, "run.sh"), "build"], 900_000);
    lab = await Lab.create([]);
    await sh("bash", [path.join(HOST_SCRIPTS, "run.sh"), "stop", name]);
    await must("bash", [path.join(HOST_SCRIPTS, "run.sh"), "start", name, "--", "--network", "none"], 180_000);
    started = true;
    if (modern) {
      // The current release ahead of Debian's on PATH, as an admin who installed it by hand would have it.
      await must("docker", ["cp", v.nebula, `${name}:/usr/local/bin/nebula`]);
      await must("docker", ["cp", v.nebulaCert, `${name}:/usr/local/bin/nebula-cert`]);
    }
    await attach();
    api = new Api(await createTestUser({ name: `systemd-${name}` }));
    const { network } = await api.call("POST", "/api/v1/networks", { name: `systemd ${v.label} ${lab.id}`, cidr: `10.215.${modern ? 2 : 1}.0/24`, nebulaTarget: modern ? "1.10" : "1.6", certVersion: modern ? 2 : 1 });
    networkId = network.id;
    await api.call("PATCH", `/api/v1/networks/${networkId}`, { pollSeconds: POLL_SECONDS });
  }, 900_000);

  afterAll(async () => {
    if (started) await sh("bash", [path.join(HOST_SCRIPTS, "run.sh"), "stop", name], 120_000);
    lab?.destroy();
  });

  it("installs nc-agent.service from the join page's one-liner: enabled, active, running nebula in its own cgroup", async () => {
    const joinUrl = (await api.call("POST", `/api/v1/networks/${networkId}/links`, { maxUses: 1, description: "systemd host" })).joinUrl as string;
    const command = commandFromPage(await joinPage(joinUrl), "oneliner-root");
    const r = await inContainer(["sh", "-c", command], 120_000);
    expect(r.code, `${command}\n${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`enrolled as ${name}`);
    expect(r.stdout).toMatch(/nebula is running \(pid \d+\) with revision \d+ applied/);
    expect(r.stdout).toContain("the agent runs as the systemd unit nc-agent.service and starts at boot");
    expect((await inContainer(["systemctl", "is-enabled", "nc-agent.service"])).stdout.trim()).toBe("enabled");
    expect((await inContainer(["systemctl", "is-active", "nc-agent.service"])).stdout.trim()).toBe("active");
    const pid = await nebulaPid();
    expect((await inContainer(["cat", `/proc/${pid}/comm`])).stdout.trim()).toBe("nebula");
    expect((await inContainer(["cat", `/proc/${pid}/cgroup`])).stdout).toContain("nc-agent.service");
    const version = (await inContainer(["nebula", "-version"])).stdout;
    expect(version).toContain(modern ? "1.10" : "1.6.1");
    const { nodes } = await api.call("GET", `/api/v1/networks/${networkId}/nodes`);
    nodeId = (nodes as Json[]).find((n) => n.name === name).id;
    await waitFor("the app to show the host applied", async () => (await hostState()).state === "applied", { timeoutMs: ONE_POLL_BOUND_MS * 2 });
  });

  it("the installed unit passes systemd-analyze verify", async () => {
    const r = await inContainer(["systemd-analyze", "verify", "/etc/systemd/system/nc-agent.service"]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: "" });
  });

  it("applies a rule change with SIGHUP: same nebula PID, the new revision confirmed", async () => {
    const pidBefore = await nebulaPid();
    const before = (await hostState()).appliedRevision as number;
    await api.call("POST", `/api/v1/networks/${networkId}/rules`, { direction: "inbound", port: "8443", proto: "tcp", peer: { kind: "any" }, description: "systemd: rule change" });
    await waitFor("the host to confirm the new revision", async () => {
      const h = await hostState();
      return h.state === "applied" && h.appliedRevision > before;
    }, { timeoutMs: ONE_POLL_BOUND_MS + 5_000 });
    expect((await inContainer(["grep", "-c", "8443", "/etc/nebula/config.yml"])).stdout.trim()).not.toBe("0");
    expect(await nebulaPid()).toBe(pidBefore);
    expect((await inContainer(["journalctl", "-u", "nc-agent", "--no-pager"])).stdout).toContain(`nebula reloaded with SIGHUP (pid ${pidBefore})`);
  });

  it("comes back by itself after a reboot", async () => {
    const pidBefore = await nebulaPid();
    const bootBefore = (await inContainer(["ps", "-o", "lstart=", "-p", "1"])).stdout.trim();
    await must("bash", [path.join(HOST_SCRIPTS, "run.sh"), "restart", name], 180_000);
    expect((await inContainer(["ps", "-o", "lstart=", "-p", "1"])).stdout.trim()).not.toBe(bootBefore);
    await attach();
    // nebula starts from the applied files at boot, before the control plane is reachable.
    const pid = await waitFor("nebula to run again under nc-agent.service", async () => {
      if ((await inContainer(["systemctl", "is-active", "nc-agent.service"])).stdout.trim() !== "active") return null;
      const p = await nebulaPid();
      return p > 0 && (await inContainer(["cat", `/proc/${p}/comm`])).stdout.trim() === "nebula" ? p : null;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    expect(pid).not.toBe(0);
    expect(pidBefore).toBeGreaterThan(0);
    await waitFor("the app to show the rebooted host applied", async () => (await hostState()).state === "applied", { timeoutMs: 90_000, intervalMs: 1_000 });
  });

  it("systemctl stop takes nebula down with the agent, and the app says offline", async () => {
    const pid = await nebulaPid();
    await must("docker", ["exec", name, "systemctl", "stop", "nc-agent.service"]);
    expect((await inContainer(["test", "-e", `/proc/${pid}`])).code).not.toBe(0);
    await waitFor("the app to show the host offline", async () => (await hostState()).state === "offline", { timeoutMs: 2 * POLL_SECONDS * 1.1 * 1000 + 5_000, intervalMs: 500 });
  });

  it("--replace: running the one-liner again deletes the old node and enrolls this host anew, under the same unit", async () => {
    const oldId = nodeId;
    const joinUrl = (await api.call("POST", `/api/v1/networks/${networkId}/links`, { maxUses: 1, description: "systemd host, replaced" })).joinUrl as string;
    const command = `${commandFromPage(await joinPage(joinUrl), "oneliner-root")} --replace`;
    const r = await inContainer(["sh", "-c", command], 120_000);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`replacing node '${name}'`);
    expect(r.stdout).toContain(`deleted the old node '${name}' from its network`);
    const { nodes } = await api.call("GET", `/api/v1/networks/${networkId}/nodes`);
    const mine = (nodes as Json[]).filter((n) => n.name === name);
    expect(mine).toHaveLength(1);
    expect(mine[0].id).not.toBe(oldId);
    nodeId = mine[0].id;
    expect((await inContainer(["systemctl", "is-active", "nc-agent.service"])).stdout.trim()).toBe("active");
    await waitFor("the new node to show applied", async () => (await hostState()).state === "applied", { timeoutMs: ONE_POLL_BOUND_MS * 2 });
  });

  it("a blocked node's agent stops nebula and exits 3, and systemd does not start it again", async () => {
    const pid = await nebulaPid();
    await api.call("POST", `/api/v1/networks/${networkId}/nodes/${nodeId}/block`);
    await waitFor("the agent to exit with status 3", async () => (await inContainer(["systemctl", "show", "-p", "ExecMainStatus", "--value", "nc-agent.service"])).stdout.trim() === "3", { timeoutMs: ONE_POLL_BOUND_MS + 10_000, intervalMs: 500 });
    expect((await inContainer(["test", "-e", `/proc/${pid}`])).code, "nebula stopped").not.toBe(0);
    expect((await inContainer(["journalctl", "-u", "nc-agent", "--no-pager"])).stdout).toContain("An administrator blocked this node");
    // Past RestartSec=5: RestartPreventExitStatus keeps it down.
    await new Promise((r) => setTimeout(r, 7_000));
    expect((await inContainer(["systemctl", "is-active", "nc-agent.service"])).stdout.trim()).not.toBe("active");
  });
});
