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
  // Lighthouse DNS (issue 12): serve_dns is read only when nebula starts (main.go, 1.6.1 and 1.10.3),
  // and a new dns.host/port is rebound in place by a racy reload, so either one restarts nebula.
  it("changes when a lighthouse starts or stops serving DNS, or moves its DNS listener", () => {
    const lh = (dns: string) => key((s) => s.replace("am_lighthouse: false", `am_lighthouse: true${dns}`));
    const plain = lh("");
    const serving = lh("\n  serve_dns: true\n  dns:\n    host: 10.0.0.5\n    port: 53");
    expect(serving).not.toBe(plain);
    expect(lh("\n  serve_dns: true\n  dns:\n    host: 10.0.0.5\n    port: 5353")).not.toBe(serving);
    expect(lh("\n  serve_dns: true\n  dns:\n    host: 127.0.0.1\n    port: 53")).not.toBe(serving);
  });
  it("keeps the key of a config without DNS as it was, so upgrading the server restarts no host", () => {
    expect(key()).toBe("8372bbd4192fc346");
  });
  it("keeps the key of a lighthouse serving DNS as it was", () => {
    expect(key((s) => s.replace("am_lighthouse: false", "am_lighthouse: true\n  serve_dns: true\n  dns:\n    host: 10.0.0.5\n    port: 53"))).toBe("8268f93ebb3f6d81");
  });
  // One rendered config object is shared by every node alike, and its text is kept per object.
  it("gives each node sharing one config object its own key, and each nebula version its own", () => {
    const shared = { tun: { dev: "nebula1", mtu: 1300, unsafe_routes: [{ route: "192.168.50.0/24", via: "10.42.0.9" }] }, listen: { port: 0 } };
    const copy = () => structuredClone(shared);
    for (const nets of [["10.42.0.5/16"], ["10.42.0.6/16"], ["10.42.0.5/16"]]) {
      for (const unsafeRoutesReloadable of [false, true, false]) {
        expect(restartKeyOf(shared, nets, { unsafeRoutesReloadable })).toBe(restartKeyOf(copy(), nets, { unsafeRoutesReloadable }));
      }
    }
    expect(restartKeyOf(shared, ["10.42.0.5/16"])).not.toBe(restartKeyOf(shared, ["10.42.0.6/16"]));
    expect(restartKeyOf(shared, ["10.42.0.5/16"], { unsafeRoutesReloadable: true })).not.toBe(restartKeyOf(shared, ["10.42.0.5/16"]));
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

describe("restart key and subnet routes", () => {
  const config = (routes: Array<{ route: string; via: string }>) => ({ tun: { dev: "nebula1", mtu: 1300, unsafe_routes: routes }, listen: { host: "0.0.0.0", port: 0 } });
  const routed = config([{ route: "192.168.50.0/24", via: "10.42.0.9" }]);

  it("restarts a host whose nebula cannot reload routes (before 1.9) when a route appears", () => {
    expect(restartKeyOf(routed, ["10.42.0.5/16"])).not.toBe(restartKeyOf(config([]), ["10.42.0.5/16"]));
  });

  it("reloads a 1.9+ host instead, and keeps the key of a config without routes as it was", () => {
    const opts = { unsafeRoutesReloadable: true };
    expect(restartKeyOf(routed, ["10.42.0.5/16"], opts)).toBe(restartKeyOf(config([]), ["10.42.0.5/16"], opts));
    expect(restartKeyOf(config([]), ["10.42.0.5/16"], opts)).toBe(restartKeyOf(config([]), ["10.42.0.5/16"]));
    // The rest of tun still restarts it.
    expect(restartKeyOf({ ...routed, tun: { ...routed.tun, mtu: 1400 } }, ["10.42.0.5/16"], opts)).not.toBe(restartKeyOf(routed, ["10.42.0.5/16"], opts));
  });
});
