/** Subnet routes and rules limited to a routed subnet, as the renderer writes them for each version. */
import { describe, expect, it } from "vitest";
import { nodeInput, rule } from "./render-node-config.fixtures";
import { ConfigRenderError, renderNodeConfig, type NebulaTarget } from "./render-node-config";

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
