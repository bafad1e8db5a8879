import { describe, expect, it } from "vitest";
import { decideReload, type AppliedState } from "./reload-decision";

const base = (over: Partial<AppliedState> = {}, yamlPatch = ""): AppliedState => ({
  configYaml: `tun:\n  dev: nebula1\n  mtu: 1300\nlisten:\n  port: 0\nlighthouse:\n  am_lighthouse: false\n  hosts: [10.0.0.1]\nfirewall:\n  inbound: []\n${yamlPatch}`,
  certIp: "10.0.0.5/24",
  caPem: "ca",
  certPem: "cert",
  ...over,
});

describe("decideReload", () => {
  it("restarts nebula the first time", () => expect(decideReload(null, base())).toBe("restart"));
  it("does nothing when nothing changed", () => expect(decideReload(base(), base())).toBe("none"));
  it("reloads for firewall, blocklist, lighthouse hosts and renewed certificates", () => {
    expect(decideReload(base(), base({}, "pki:\n  blocklist: [abc]\n"))).toBe("reload");
    expect(decideReload(base(), { ...base(), configYaml: base().configYaml.replace("inbound: []", "inbound: [{port: any, proto: icmp, host: any}]") })).toBe("reload");
    expect(decideReload(base(), { ...base(), configYaml: base().configYaml.replace("hosts: [10.0.0.1]", "hosts: [10.0.0.1, 10.0.0.2]") })).toBe("reload");
    expect(decideReload(base(), base({ certPem: "renewed" }))).toBe("reload");
  });
  it("restarts for tun, listen, am_lighthouse and a changed certificate IP", () => {
    expect(decideReload(base(), { ...base(), configYaml: base().configYaml.replace("mtu: 1300", "mtu: 1400") })).toBe("restart");
    expect(decideReload(base(), { ...base(), configYaml: base().configYaml.replace("port: 0", "port: 4242") })).toBe("restart");
    expect(decideReload(base(), { ...base(), configYaml: base().configYaml.replace("am_lighthouse: false", "am_lighthouse: true") })).toBe("restart");
    expect(decideReload(base(), base({ certPem: "new", certIp: "10.0.0.9/24" }))).toBe("restart");
  });
});
