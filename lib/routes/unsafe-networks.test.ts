import { describe, expect, it } from "vitest";
import { canonicalRoutes, parseRouteCidr, routeConflicts, unsafeNetworksSchema } from "./unsafe-networks";

describe("parseRouteCidr", () => {
  it("accepts canonical IPv4 subnets from /1 to /32", () => {
    for (const c of ["192.168.50.0/24", "10.0.0.0/8", "203.0.113.7/32", "128.0.0.0/1"]) expect(parseRouteCidr(c)).toMatchObject({ ok: true });
  });

  it("refuses the default route, host bits, unroutable ranges and junk, each with a reason", () => {
    const cases: Array<[string, RegExp]> = [
      ["0.0.0.0/0", /default route/],
      ["192.168.50.1/24", /did you mean 192\.168\.50\.0\/24/],
      ["127.0.0.0/8", /loopback/],
      ["169.254.0.0/16", /linkLocal/],
      ["224.0.0.0/4", /multicast/],
      ["192.168.50.0/33", /not an IPv4 subnet/],
      ["fd00::/64", /not an IPv4 subnet/],
      ["192.168.050.0/24", /not an IPv4 subnet/],
    ];
    for (const [input, reason] of cases) {
      const parsed = parseRouteCidr(input);
      expect(parsed.ok, input).toBe(false);
      if (!parsed.ok) expect(parsed.error, input).toMatch(reason);
    }
  });
});

describe("unsafeNetworksSchema", () => {
  it("refuses a list whose subnets overlap each other", () => {
    const r = unsafeNetworksSchema.safeParse(["192.168.0.0/16", "192.168.50.0/24"]);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe("192.168.0.0/16 and 192.168.50.0/24 overlap");
    expect(unsafeNetworksSchema.safeParse(["192.168.50.0/24", "192.168.51.0/24"]).success).toBe(true);
  });

  it("caps the list", () => {
    const many = Array.from({ length: 17 }, (_, i) => `172.16.${i}.0/24`);
    expect(unsafeNetworksSchema.safeParse(many).success).toBe(false);
  });
});

describe("routeConflicts", () => {
  const others = [{ name: "gw1", routes: ["192.168.50.0/24"] }];

  it("names the overlay or the other router a route would clash with", () => {
    expect(routeConflicts(["10.42.7.0/24"], "10.42.0.0/16", others)).toBe("10.42.7.0/24 overlaps the overlay network 10.42.0.0/16");
    expect(routeConflicts(["10.0.0.0/8"], "10.42.0.0/16", others)).toMatch(/overlaps the overlay/);
    expect(routeConflicts(["192.168.0.0/16"], "10.42.0.0/16", others)).toBe("192.168.0.0/16 overlaps 192.168.50.0/24, which gw1 routes");
  });

  it("lets disjoint routes through", () => {
    expect(routeConflicts(["192.168.51.0/24", "172.16.0.0/12"], "10.42.0.0/16", others)).toBeNull();
    expect(routeConflicts([], "10.42.0.0/16", others)).toBeNull();
  });
});

describe("canonicalRoutes", () => {
  it("trims and keeps the order", () => {
    expect(canonicalRoutes([" 192.168.51.0/24", "172.16.0.0/12 "])).toEqual(["192.168.51.0/24", "172.16.0.0/12"]);
  });
});
