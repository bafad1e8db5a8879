/**
 * Every config the renderer produces must pass the real `nebula -test` of the oldest (1.6.1) and
 * the current Nebula, with real certificates made by that version's nebula-cert.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { nebulaVersions, type NebulaBinaries } from "@/lib/testing/nebula-binaries";
import { lighthouses, nodeInput, relays, representativeRules, rule } from "./render-node-config.fixtures";
import { renderNodeConfig, type NebulaTarget, type RenderInput } from "./render-node-config";

const SUBPROCESS_TIMEOUT_MS = 20_000;
const TEST_TIMEOUT_MS = 30_000;
const SETUP_TIMEOUT_MS = 120_000;
const ALL_TARGETS: NebulaTarget[] = ["1.6", "1.7", "1.10"];

interface RunResult {
  /** null when the process did not exit by itself (timed out, killed, or never started). */
  code: number | null;
  stdout: string;
  /** Command, stdout, stderr and any error, for failure messages and log assertions. */
  transcript: string;
}

/** Runs a binary without a shell; never rejects, so a failure can be reported with its output. */
function run(file: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: SUBPROCESS_TIMEOUT_MS, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const transcript = `$ ${file} ${args.join(" ")}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
      if (!error) return resolve({ code: 0, stdout, transcript });
      const code = typeof error.code === "number" ? error.code : null;
      resolve({ code, stdout, transcript: `${transcript}\n--- error\n${error.message}` });
    });
  });
}

async function runOk(file: string, args: string[]): Promise<string> {
  const result = await run(file, args);
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.transcript}`);
  return result.stdout;
}

type Version = [major: number, minor: number];

async function versionOf(binaries: NebulaBinaries): Promise<Version> {
  const output = await runOk(binaries.nebulaCert, ["-version"]);
  const match = /Version: (\d+)\.(\d+)\.\d+/.exec(output);
  if (!match) throw new Error(`no version in nebula-cert -version output:\n${output}`);
  return [Number(match[1]), Number(match[2])];
}

function atLeast([major, minor]: Version, target: NebulaTarget): boolean {
  const [tMajor = 0, tMinor = 0] = target.split(".").map(Number);
  return major > tMajor || (major === tMajor && minor >= tMinor);
}

/** 1.6 prints one JSON object per certificate; 1.10 prints a JSON array. */
function fingerprintFromPrintJson(stdout: string): string {
  const parsed: unknown = JSON.parse(stdout.trim().split("\n")[0]!);
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  const fingerprint = first !== null && typeof first === "object" && "fingerprint" in first ? first.fingerprint : undefined;
  if (typeof fingerprint !== "string" || !/^[0-9a-f]{64}$/.test(fingerprint)) throw new Error(`no fingerprint in:\n${stdout}`);
  return fingerprint;
}

interface Pki {
  dir: string;
  paths(node: string): RenderInput["pki"];
  inline(node: string): Promise<RenderInput["pki"]>;
  revokedFingerprint: string;
}

const nodes = { lh1: "10.42.0.1", web1: "10.42.0.5", relay1: "10.42.0.9", tuned1: "10.42.0.7", revoked1: "10.42.0.66" } as const;
type NodeName = keyof typeof nodes;

/** A v1 CA and one certificate per node, which 1.6.1 can read whichever version made them. */
async function createPki(binaries: NebulaBinaries, version: Version): Promise<Pki> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "nebula-config-test-"));
  const isV2Capable = atLeast(version, "1.10");
  // 1.10 makes v2 certificates by default (1.6 cannot parse them) and names the IP flag -networks.
  const versionFlag = isV2Capable ? ["-version", "1"] : [];
  const ipFlag = isV2Capable ? "-networks" : "-ip";
  const file = (name: string) => path.join(dir, name);
  const caCrt = file("ca.crt");
  const caKey = file("ca.key");

  await runOk(binaries.nebulaCert, ["ca", ...versionFlag, "-name", "Nebula Commander test CA", "-duration", "24h", "-out-crt", caCrt, "-out-key", caKey]);
  for (const [name, ip] of Object.entries(nodes)) {
    const groups = name === "web1" ? "web,ops,on" : name;
    await runOk(binaries.nebulaCert, [
      "sign", ...versionFlag, "-ca-crt", caCrt, "-ca-key", caKey, "-name", name, ipFlag, `${ip}/16`, "-groups", groups,
      "-out-crt", file(`${name}.crt`), "-out-key", file(`${name}.key`),
    ]);
  }
  const printed = await runOk(binaries.nebulaCert, ["print", "-json", "-path", file("revoked1.crt")]);

  return {
    dir,
    paths: (node) => ({ mode: "paths", ca: caCrt, cert: file(`${node}.crt`), key: file(`${node}.key`) }),
    inline: async (node) => ({
      mode: "inline",
      ca: await readFile(caCrt, "utf8"),
      cert: await readFile(file(`${node}.crt`), "utf8"),
      key: await readFile(file(`${node}.key`), "utf8"),
    }),
    revokedFingerprint: fingerprintFromPrintJson(printed),
  };
}

type Scenario = { name: string; node: NodeName; input: (pki: RenderInput["pki"], target: NebulaTarget, blocklist: string[]) => RenderInput };

const scenarios: Scenario[] = [
  {
    name: "lighthouse with endpoints",
    node: "lh1",
    input: (pki, target, blocklist) => nodeInput({ name: "lh1", ip: nodes.lh1, groups: ["lh1"], isLighthouse: true, listenPort: 4242 }, { pki, target, blocklist }),
  },
  {
    name: "ordinary node in groups with every kind of rule",
    node: "web1",
    input: (pki, target, blocklist) => {
      const rules = [...representativeRules, rule(20, { direction: "outbound", proto: "tcp", port: "443", peer: { kind: "group", group: "on" } })];
      return nodeInput({ name: "web1", ip: nodes.web1, groups: ["web", "ops", "on"] }, { pki, target, blocklist, rules });
    },
  },
  {
    name: "relay listed among its own relays",
    node: "relay1",
    input: (pki, target, blocklist) =>
      nodeInput({ name: "relay1", ip: nodes.relay1, groups: ["relay1"], isRelay: true, listenPort: 4243 }, { pki, target, blocklist, relays: [...relays, { name: "relay2", ip: "10.42.0.10" }] }),
  },
  {
    name: "node with overrides",
    node: "tuned1",
    input: (pki, target, blocklist) =>
      nodeInput({ name: "tuned1", ip: nodes.tuned1, groups: ["tuned1"], overrides: { tunDev: "nc-tun0", tunMtu: 1400, logLevel: "warning" } }, { pki, target, blocklist }),
  },
  {
    name: "node with subnet routes through a router, and a rule limited to a routed subnet",
    node: "web1",
    input: (pki, target, blocklist) => {
      const rules = [...representativeRules, rule(30, { direction: "inbound", proto: "tcp", port: "443", peer: { kind: "group", group: "ops" }, localCidr: "192.168.60.0/24" })];
      const unsafeRoutes = [{ route: "192.168.50.0/24", via: nodes.relay1 }, { route: "172.20.0.0/16", via: nodes.tuned1 }, { route: "192.168.60.0/24", via: nodes.web1 }];
      return nodeInput({ name: "web1", ip: nodes.web1, groups: ["web", "ops", "on"] }, { pki, target, blocklist, rules, unsafeRoutes });
    },
  },
];

// ---- issue 12 part 3: lighthouse DNS ----
// nebula -test reads serve_dns and dns.* (it starts no listener), on the lighthouse that serves and on a host told of resolvers.
const dnsLighthouses = lighthouses.map((l) => ({ ...l, dns: { host: l.ip, port: l.name === "lh1" ? 53 : 5353 } }));
scenarios.push(
  {
    name: "lighthouse serving DNS on its overlay address",
    node: "lh1",
    input: (pki, target, blocklist) =>
      nodeInput({ name: "lh1", ip: nodes.lh1, groups: ["lh1"], isLighthouse: true, listenPort: 4242, dns: { host: nodes.lh1, port: 5353 } }, { pki, target, blocklist, lighthouses: dnsLighthouses }),
  },
  {
    name: "lighthouse serving DNS on loopback, port 53",
    node: "lh1",
    input: (pki, target, blocklist) =>
      nodeInput({ name: "lh1", ip: nodes.lh1, groups: ["lh1"], isLighthouse: true, listenPort: 4242, dns: { host: "127.0.0.1", port: 53 } }, { pki, target, blocklist }),
  },
  {
    name: "host told of the lighthouses' DNS",
    node: "web1",
    input: (pki, target, blocklist) => nodeInput({ name: "web1", ip: nodes.web1, groups: ["web", "ops", "on"] }, { pki, target, blocklist, lighthouses: dnsLighthouses }),
  },
);

const pkiModes = ["inline", "paths"] as const;

// Known before tests are collected, so that each version gets exactly the targets it can run.
const versions = await Promise.all(nebulaVersions.map(async (binaries) => ({ binaries, version: await versionOf(binaries) })));

describe.each(versions)("nebula $binaries.label accepts every rendered config", ({ binaries, version }) => {
  let pki: Pki | undefined;
  let configCount = 0;

  beforeAll(async () => {
    pki = await createPki(binaries, version);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  function ready(): Pki {
    if (!pki) throw new Error("PKI setup failed");
    return pki;
  }

  async function nebulaTest(yaml: string): Promise<RunResult> {
    configCount += 1;
    const configFile = path.join(ready().dir, `config-${configCount}.yml`);
    await writeFile(configFile, yaml, { mode: 0o600 });
    return run(binaries.nebula, ["-test", "-config", configFile]);
  }

  async function inputFor(scenario: Scenario, mode: (typeof pkiModes)[number], target: NebulaTarget): Promise<RenderInput> {
    const { paths, inline, revokedFingerprint } = ready();
    const pkiInput = mode === "paths" ? paths(scenario.node) : await inline(scenario.node);
    return scenario.input(pkiInput, target, [revokedFingerprint, revokedFingerprint.toUpperCase()]);
  }

  // A network that may hold 1.6 nodes gets 1.6 configs, which newer versions must take too; not the reverse.
  for (const target of ALL_TARGETS.filter((t) => atLeast(version, t))) {
    describe(`target ${target}`, () => {
      for (const scenario of scenarios) {
        for (const mode of pkiModes) {
          it(`${scenario.name}, pki ${mode}`, async () => {
            const { yaml } = renderNodeConfig(await inputFor(scenario, mode, target));
            const result = await nebulaTest(yaml);
            expect(result.code, `${result.transcript}\n--- config\n${yaml}`).toBe(0);
          }, TEST_TIMEOUT_MS);
        }
      }
    });
  }

  it("reads a host named yes as the name, not as a YAML 1.1 boolean", async () => {
    const rules = [rule(1, { direction: "inbound", proto: "tcp", port: "443", peer: { kind: "host", host: "yes" } })];
    const input = await inputFor(scenarios[1]!, "paths", "1.6");
    const { yaml } = renderNodeConfig({ ...input, rules });
    const result = await nebulaTest(yaml);
    expect(result.code, result.transcript).toBe(0);
    expect(result.transcript).toContain("host:yes");
    expect(result.transcript).not.toContain("host:true");
  }, TEST_TIMEOUT_MS);

  // Go's yaml reads a plain 0o17 as the number 15, and a number in `groups:` panics Nebula.
  for (const target of (["1.6", "1.10"] as const).filter((t) => atLeast(version, t))) {
    it(`takes a rule whose groups list holds a group named 0o17 (target ${target})`, async () => {
      const rules = [rule(1, { direction: "inbound", proto: "tcp", port: "443", peer: { kind: "groups", groups: ["web", "0o17"] } })];
      const input = await inputFor(scenarios[1]!, "paths", target);
      const { yaml } = renderNodeConfig({ ...input, rules });
      const result = await nebulaTest(yaml);
      expect(result.code, `${result.transcript}\n--- config\n${yaml}`).toBe(0);
    }, TEST_TIMEOUT_MS);
  }

  // ---- issue 12 part 6: version-aware configs ----
  // The host reports this binary's version: it gets that version's keys (initiating_version and
  // default_local_cidr_any on 1.10+, the action keys swapped on 1.7-1.10 for #1798, none on 1.6),
  // whatever the network's target, and with a reject action that only 1.7+ can express.
  const reportedVersion = `${version[0]}.${version[1]}.0`;
  for (const [scenario, mode] of [[scenarios[0]!, "inline"], [scenarios[1]!, "paths"]] as const) {
    it(`takes the config rendered for a host reporting ${reportedVersion}: ${scenario.name}, pki ${mode}`, async () => {
      const input = await inputFor(scenario, mode, "1.6");
      const { yaml } = renderNodeConfig({ ...input, hostVersion: reportedVersion, certVersion: 1, firewallActions: { inbound: "reject", outbound: "drop" } });
      expect(yaml.includes("initiating_version: 1"), yaml).toBe(atLeast(version, "1.10"));
      expect(yaml.includes("inbound_action"), yaml).toBe(atLeast(version, "1.7"));
      const result = await nebulaTest(yaml);
      expect(result.code, `${result.transcript}\n--- config\n${yaml}`).toBe(0);
    }, TEST_TIMEOUT_MS);
  }

  if (atLeast(version, "1.10")) {
    it("takes a v2 certificate with pki.initiating_version 2", async () => {
      const dir = ready().dir;
      const file = (name: string) => path.join(dir, `v2-${name}`);
      // nebula-cert 1.10 makes v2 by default; said explicitly so the test cannot silently test v1.
      await runOk(binaries.nebulaCert, ["ca", "-version", "2", "-name", "v2 test CA", "-duration", "24h", "-out-crt", file("ca.crt"), "-out-key", file("ca.key")]);
      await runOk(binaries.nebulaCert, ["sign", "-version", "2", "-ca-crt", file("ca.crt"), "-ca-key", file("ca.key"), "-name", "web1", "-networks", `${nodes.web1}/16`, "-groups", "web", "-out-crt", file("web1.crt"), "-out-key", file("web1.key")]);
      const pki: RenderInput["pki"] = { mode: "paths", ca: file("ca.crt"), cert: file("web1.crt"), key: file("web1.key") };
      const input = nodeInput({ name: "web1", ip: nodes.web1, groups: ["web"] }, { pki, target: "1.10" });
      const { yaml } = renderNodeConfig({ ...input, hostVersion: reportedVersion, certVersion: 2, firewallActions: { inbound: "drop", outbound: "reject" } });
      expect(yaml).toContain("initiating_version: 2");
      const result = await nebulaTest(yaml);
      expect(result.code, `${result.transcript}\n--- config\n${yaml}`).toBe(0);
    }, TEST_TIMEOUT_MS);
  }

  // ---- issue 12 part 1: CA rotation ----
  // pki.ca is a bundle during a rotation: the old CA and the next one, concatenated. `nebula -test`
  // does not check the host's own certificate against pki.ca (tried on both versions), so the
  // proof is twofold: nebula loads the bundle and trusts both fingerprints (its debug log lists
  // them), and nebula-cert verify accepts certificates of either CA against the same bundle.
  describe("CA rotation bundle", () => {
    let rotation: { bundle: string; oldCa: string; rotatedCrt: string; rotatedKey: string; fingerprints: string[] } | undefined;

    beforeAll(async () => {
      const dir = ready().dir;
      const file = (name: string) => path.join(dir, `rot-${name}`);
      const isV2Capable = atLeast(version, "1.10");
      const versionFlag = isV2Capable ? ["-version", "1"] : [];
      await runOk(binaries.nebulaCert, ["ca", ...versionFlag, "-name", "Nebula Commander next CA", "-duration", "48h", "-out-crt", file("ca.crt"), "-out-key", file("ca.key")]);
      await runOk(binaries.nebulaCert, [
        "sign", ...versionFlag, "-ca-crt", file("ca.crt"), "-ca-key", file("ca.key"), "-name", "web1", isV2Capable ? "-networks" : "-ip", `${nodes.web1}/16`, "-groups", "web,ops,on",
        "-out-crt", file("web1.crt"), "-out-key", file("web1.key"),
      ]);
      const oldCa = path.join(dir, "ca.crt");
      await writeFile(file("bundle.crt"), (await readFile(oldCa, "utf8")) + (await readFile(file("ca.crt"), "utf8")));
      const fingerprints = await Promise.all([oldCa, file("ca.crt")].map(async (ca) => fingerprintFromPrintJson(await runOk(binaries.nebulaCert, ["print", "-json", "-path", ca]))));
      rotation = { bundle: file("bundle.crt"), oldCa, rotatedCrt: file("web1.crt"), rotatedKey: file("web1.key"), fingerprints };
    }, SETUP_TIMEOUT_MS);

    const web1 = (pki: RenderInput["pki"]) =>
      nodeInput({ name: "web1", ip: nodes.web1, groups: ["web", "ops", "on"], overrides: { logLevel: "debug" } }, { pki, target: "1.6", rules: representativeRules });

    it("loads a two-CA bundle and trusts both, for a host still on the old CA (pki inline) and one re-signed by the new CA (pki paths)", async () => {
      const r = rotation!;
      const old = await ready().inline("web1");
      for (const pki of [{ ...old, ca: await readFile(r.bundle, "utf8") } as RenderInput["pki"], { mode: "paths", ca: r.bundle, cert: r.rotatedCrt, key: r.rotatedKey } as const]) {
        const { yaml } = renderNodeConfig(web1(pki));
        const result = await nebulaTest(yaml);
        expect(result.code, `${result.transcript}\n--- config\n${yaml}`).toBe(0);
        const trusted = /Trusted CA fingerprints.*/.exec(result.transcript)?.[0] ?? "";
        for (const fp of r.fingerprints) expect(trusted, result.transcript).toContain(fp);
      }
    }, TEST_TIMEOUT_MS);

    it("verifies certificates of either CA against the bundle, and not a new-CA certificate against the old CA alone", async () => {
      const r = rotation!;
      const { dir } = ready();
      await runOk(binaries.nebulaCert, ["verify", "-ca", r.bundle, "-crt", r.rotatedCrt]);
      await runOk(binaries.nebulaCert, ["verify", "-ca", r.bundle, "-crt", path.join(dir, "web1.crt")]);
      const refused = await run(binaries.nebulaCert, ["verify", "-ca", r.oldCa, "-crt", r.rotatedCrt]);
      expect(refused.code, refused.transcript).not.toBe(0);
    }, TEST_TIMEOUT_MS);
  });

  // ---- issue 12 part 4: IPv6 and several addresses (v2 certificates, 1.10+) ----
  // A dual-stack host: its v2 certificate carries an IPv4 and an IPv6 network; the lighthouses stay
  // on their IPv4 overlay addresses (1.10 indexes a host under every address of its certificate and
  // asks a v2 lighthouse about IPv6 addresses too); a firewall rule names an IPv6 CIDR.
  if (atLeast(version, "1.10")) {
    it("takes a dual-stack v2 certificate (IPv4 and IPv6 networks) with an IPv6 cidr rule and IPv4 lighthouses", async () => {
      const dir = ready().dir;
      const file = (name: string) => path.join(dir, `v2ds-${name}`);
      await runOk(binaries.nebulaCert, ["ca", "-version", "2", "-name", "v2 dual-stack CA", "-duration", "24h", "-out-crt", file("ca.crt"), "-out-key", file("ca.key")]);
      await runOk(binaries.nebulaCert, [
        "sign", "-version", "2", "-ca-crt", file("ca.crt"), "-ca-key", file("ca.key"), "-name", "web1",
        "-networks", `${nodes.web1}/16,fd42:abcd:1234::5/64`, "-groups", "web", "-out-crt", file("web1.crt"), "-out-key", file("web1.key"),
      ]);
      const printed = await runOk(binaries.nebulaCert, ["print", "-json", "-path", file("web1.crt")]);
      expect(printed).toContain(`"${nodes.web1}/16"`);
      expect(printed).toContain('"fd42:abcd:1234::5/64"');
      const pki: RenderInput["pki"] = { mode: "paths", ca: file("ca.crt"), cert: file("web1.crt"), key: file("web1.key") };
      const rules = [
        ...representativeRules,
        rule(40, { direction: "inbound", proto: "tcp", port: "8080", peer: { kind: "cidr", cidr: "fd42:abcd:1234::/64" } }),
        rule(41, { direction: "outbound", proto: "any", port: "any", peer: { kind: "cidr", cidr: "::/0" } }),
      ];
      const input = nodeInput({ name: "web1", ip: nodes.web1, groups: ["web"] }, { pki, target: "1.10", rules });
      const { yaml } = renderNodeConfig({ ...input, hostVersion: reportedVersion, certVersion: 2 });
      // YAML quotes it (it holds colons); nebula reads the string either way.
      expect(yaml).toContain('cidr: "fd42:abcd:1234::/64"');
      expect(yaml).toMatch(/static_host_map:\n\s+"?10\.42\./);
      const result = await nebulaTest(yaml);
      expect(result.code, `${result.transcript}\n--- config\n${yaml}`).toBe(0);
      // The same config with a malformed IPv6 CIDR fails: the check above really parses it.
      const broken = await nebulaTest(yaml.replace('cidr: "fd42:abcd:1234::/64"', 'cidr: "fd42:abcd:1234::/200"'));
      expect(broken.code, broken.transcript).not.toBe(0);
    }, TEST_TIMEOUT_MS);
  }

  it("fails a config with an invalid firewall port, so the check above can fail", async () => {
    const { object } = renderNodeConfig(await inputFor(scenarios[1]!, "paths", "1.6"));
    const broken = structuredClone(object) as { firewall: { inbound: Array<{ port: string }> } };
    broken.firewall.inbound[0]!.port = "https";
    const result = await nebulaTest(stringify(broken));
    expect(result.code, result.transcript).not.toBe(0);
    expect(result.transcript).toContain("port was not a number");
  }, TEST_TIMEOUT_MS);
});
