/** Subnet routes and rules limited to a routed subnet, as the renderer writes them for each version. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeInput, rule } from "./render-node-config.fixtures";
import { ConfigRenderError, renderNodeConfig, type NebulaTarget, type RenderInput } from "./render-node-config";

const routes = [
  { route: "192.168.50.0/24", via: "10.42.0.9" },
  { route: "172.20.0.0/16", via: "10.42.0.7" },
  { route: "192.168.60.0/24", via: "10.42.0.5" },
];
const subnetRule = rule(30, { direction: "inbound", proto: "tcp", port: "443", peer: { kind: "group", group: "ops" }, localCidr: "192.168.60.0/24" });
const plainRule = rule(31, { direction: "inbound", proto: "tcp", port: "22", peer: { kind: "group", group: "ops" } });

function render(target: NebulaTarget, ip = "10.42.0.5") {
  return renderNodeConfig(nodeInput({ name: "web1", ip }, { target, rules: [subnetRule, plainRule], unsafeRoutes: routes }));
}

type Tun = { unsafe_routes: Array<{ route: string; via: string }> };
type Firewall = { inbound: Array<Record<string, unknown>> };

describe("subnet routes", () => {
  it("sends every other router's subnets through it, sorted, and never a router's own", () => {
    const tun = render("1.10").object.tun as Tun;
    expect(tun.unsafe_routes).toEqual([
      { route: "172.20.0.0/16", via: "10.42.0.7" },
      { route: "192.168.50.0/24", via: "10.42.0.9" },
    ]);
    expect((render("1.10", "10.42.0.8").object.tun as Tun).unsafe_routes).toHaveLength(3);
  });

  it("gives a router and an ordinary host different bodies, though their rules and groups match", () => {
    const memo = new Map<string, never>();
    const memoApi = { get: (k: string) => memo.get(k), set: (k: string, v: never) => void memo.set(k, v) };
    const input = (ip: string) => nodeInput({ name: `n-${ip}`, ip }, { target: "1.10", rules: [], unsafeRoutes: routes });
    const router = renderNodeConfig(input("10.42.0.5"), memoApi);
    const other = renderNodeConfig(input("10.42.0.8"), memoApi);
    expect((router.object.tun as Tun).unsafe_routes).toHaveLength(2);
    expect((other.object.tun as Tun).unsafe_routes).toHaveLength(3);
  });

  it("refuses a route through an address outside the network", () => {
    expect(() => renderNodeConfig(nodeInput({ name: "web1", ip: "10.42.0.5" }, { unsafeRoutes: [{ route: "192.168.9.0/24", via: "10.99.0.1" }] }))).toThrow(ConfigRenderError);
  });
});

describe("rules limited to a routed subnet (local_cidr)", () => {
  it("are written with local_cidr from 1.7 on", () => {
    for (const target of ["1.7", "1.10"] as const) {
      const inbound = (render(target).object.firewall as Firewall).inbound;
      expect(inbound).toContainEqual({ port: "443", proto: "tcp", group: "ops", local_cidr: "192.168.60.0/24" });
      expect(inbound).toContainEqual({ port: "22", proto: "tcp", group: "ops" });
    }
  });

  it("are left out on 1.6, which has no local_cidr and would open the host itself", () => {
    const inbound = (render("1.6").object.firewall as Firewall).inbound;
    expect(inbound).toEqual([{ port: "22", proto: "tcp", group: "ops" }]);
    expect(render("1.6").yaml).not.toContain("local_cidr");
  });
});

describe("subnet routes and local_cidr, for any fleet (property)", () => {
  const octet = fc.integer({ min: 2, max: 254 });
  // Distinct subnets, each routed through some host of 10.42.0.0/16.
  const fleetRoutes = fc.uniqueArray(fc.record({ third: fc.integer({ min: 0, max: 255 }), via: octet }), { selector: (r) => r.third, maxLength: 12 });
  const targets = fc.constantFrom<NebulaTarget>("1.6", "1.7", "1.10");
  const ruleLimits = fc.array(fc.option(fc.integer({ min: 0, max: 255 }), { nil: null }), { maxLength: 6 });

  it("routes every other host's subnets through it, sorted, and writes local_cidr exactly where the version knows it", () => {
    fc.assert(
      fc.property(fleetRoutes, octet, targets, ruleLimits, (routeSpecs, self, target, limits) => {
        const selfIp = `10.42.0.${self}`;
        const unsafeRoutes = routeSpecs.map((r) => ({ route: `192.168.${r.third}.0/24`, via: `10.42.0.${r.via}` }));
        const rules = limits.map((third, i) => rule(40 + i, { direction: "inbound", proto: "tcp", port: String(1000 + i), peer: { kind: "any" }, localCidr: third === null ? null : `172.16.${third}.0/24` }));
        const input: RenderInput = nodeInput({ name: "n1", ip: selfIp }, { target, rules, unsafeRoutes });
        const object = renderNodeConfig(input).object as { tun: Tun; firewall: Firewall };
        const expected = unsafeRoutes.filter((r) => r.via !== selfIp).sort((a, b) => (a.route < b.route ? -1 : a.route > b.route ? 1 : 0));
        expect(object.tun.unsafe_routes).toEqual(expected);
        const written = object.firewall.inbound.filter((r) => Number(r.port) >= 1000);
        const limited = rules.filter((r) => r.localCidr);
        if (target === "1.6") {
          // Never wider than written: a rule limited to a subnet is left out, the others kept.
          expect(written).toHaveLength(rules.length - limited.length);
          expect(written.every((r) => !("local_cidr" in r))).toBe(true);
        } else {
          expect(written).toHaveLength(rules.length);
          expect(written.map((r) => r.local_cidr ?? null)).toEqual(rules.map((r) => r.localCidr ?? null));
        }
      }),
      { numRuns: 200 },
    );
  });
});
