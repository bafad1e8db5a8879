import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { decideReload, restartKeyOf } from "./reload-decision";

const yaml = (patch: (s: string) => string = (s) => s) =>
  parse(patch(`tun:\n  dev: nebula1\n  mtu: 1300\nlisten:\n  port: 0\nlighthouse:\n  am_lighthouse: false\n  hosts: [10.0.0.1]\nrelay:\n  use_relays: true\nfirewall:\n  inbound: []\npki:\n  blocklist: []\n`));
const key = (patch?: (s: string) => string, nets = ["10.0.0.5/24"]) => restartKeyOf(yaml(patch), nets);

describe("restartKeyOf", () => {
  it("does not change for what nebula reloads: firewall, blocklist, lighthouse hosts, a renewed certificate with the same address", () => {
    expect(key((s) => s.replace("inbound: []", "inbound: [{port: any, proto: icmp, host: any}]"))).toBe(key());
    expect(key((s) => s.replace("blocklist: []", "blocklist: [abc]"))).toBe(key());
    expect(key((s) => s.replace("hosts: [10.0.0.1]", "hosts: [10.0.0.1, 10.0.0.2]"))).toBe(key());
    expect(restartKeyOf(yaml(), ["10.0.0.5/24"])).toBe(key());
  });
  it("changes for tun, listen, am_lighthouse, use_relays, cipher and the certificate's networks", () => {
    expect(key((s) => s.replace("mtu: 1300", "mtu: 1400"))).not.toBe(key());
    expect(key((s) => s.replace("port: 0", "port: 4242"))).not.toBe(key());
    expect(key((s) => s.replace("am_lighthouse: false", "am_lighthouse: true"))).not.toBe(key());
    expect(key((s) => s.replace("use_relays: true", "use_relays: false"))).not.toBe(key());
    expect(key((s) => `${s}cipher: chachapoly\n`)).not.toBe(key());
    expect(key(undefined, ["10.0.0.9/24"])).not.toBe(key());
  });
  it("ignores key order", () => {
    expect(restartKeyOf({ tun: { mtu: 1300, dev: "a" } }, [])).toBe(restartKeyOf({ tun: { dev: "a", mtu: 1300 } }, []));
  });
});

describe("decideReload", () => {
  const a = { etag: '"a"', restartKey: "k1" };
  it("starts nebula the first time", () => expect(decideReload(null, a)).toBe("restart"));
  it("does nothing for the same bundle", () => expect(decideReload(a, { ...a })).toBe("none"));
  it("reloads a new bundle with the same restart key", () => expect(decideReload(a, { etag: '"b"', restartKey: "k1" })).toBe("reload"));
  it("restarts when the restart key changed", () => expect(decideReload(a, { etag: '"b"', restartKey: "k2" })).toBe("restart"));
});
