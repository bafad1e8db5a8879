import { describe, expect, it } from "vitest";
import { parseNetworkCidr } from "./cidr";
import { anyCidrContains, bigIntToIpv6, cidr6FitsIpv4, cidrs6Overlap, hostIpv6, ipv6ToBigInt, parseNetworkCidr6 } from "./cidr6";

function v4(text: string) {
  const parsed = parseNetworkCidr(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.cidr;
}
function v6(text: string) {
  const parsed = parseNetworkCidr6(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.cidr;
}

describe("parseNetworkCidr6", () => {
  it.each([
    ["fd42:abcd:1234::/64", "fd42:abcd:1234::/64"],
    ["FD42:ABCD:1234:0000::/48", "fd42:abcd:1234::/48"],
    ["2a01:4f8:1:2::/64", "2a01:4f8:1:2::/64"],
    ["fd00:0:0:0:0:0:1:0/112", "fd00::1:0/112"],
  ])("accepts %s as %s", (text, canonical) => {
    expect(parseNetworkCidr6(text)).toMatchObject({ ok: true, cidr: { text: canonical } });
  });

  it.each([
    ["fd42::", "IPv6 range such as"],
    ["10.42.0.0/16", "IPv6 range such as"],
    ["fd42::/47", "between /48 and /112"],
    ["fd42::/113", "between /48 and /112"],
    ["fd42::1/64", "did you mean fd42::/64"],
    ["fe80::/64", "linkLocal"],
    ["ff02::/64", "multicast"],
    ["::ffff:0:0/96", "ipv4Mapped"],
    ["fd42::%eth0/64", "IPv6 range such as"],
    ["::ffff:10.0.0.0/112", "IPv6 range such as"],
  ])("refuses %s (%s)", (text, message) => {
    const parsed = parseNetworkCidr6(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe("hostIpv6: derived from the IPv4 lease, no scanning", () => {
  it("embeds the IPv4 host index in the interface id", () => {
    const net4 = v4("10.42.0.0/16");
    const net6 = v6("fd42:abcd:1234::/64");
    expect(hostIpv6(net6, net4, net4.start + 5)).toEqual({ ip: "fd42:abcd:1234::5", withPrefix: "fd42:abcd:1234::5/64" });
    expect(hostIpv6(net6, net4, net4.start + 0x1ff).ip).toBe("fd42:abcd:1234::1ff");
    expect(hostIpv6(net6, net4, net4.end - 1).ip).toBe("fd42:abcd:1234::fffe");
  });

  it("gives distinct IPv4 addresses distinct IPv6 addresses, all inside the range", () => {
    const net4 = v4("10.9.0.0/22");
    const net6 = v6("fd00:1::/112");
    const seen = new Set<string>();
    for (let a = net4.start + 1; a < net4.end; a++) {
      const { ip } = hostIpv6(net6, net4, a);
      const value = ipv6ToBigInt(ip);
      expect(value >= net6.start && value <= net6.end).toBe(true);
      seen.add(ip);
    }
    expect(seen.size).toBe(net4.end - net4.start - 1);
  });

  it("refuses an address outside the IPv4 range", () => {
    expect(() => hostIpv6(v6("fd42::/64"), v4("10.42.0.0/24"), v4("10.43.0.0/24").start)).toThrow();
  });

  it("requires the IPv6 host bits to hold every IPv4 host index", () => {
    expect(cidr6FitsIpv4(v6("fd42::/112"), v4("10.42.0.0/16"))).toBeNull();
    expect(cidr6FitsIpv4(v6("fd42::/112"), v4("10.0.0.0/8"))).toContain("use /104");
  });
});

describe("IPv6 helpers", () => {
  it("round-trips addresses through 128-bit integers", () => {
    for (const a of ["::", "fd42:abcd:1234::5", "2a01:4f8::ffff:1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]) expect(bigIntToIpv6(ipv6ToBigInt(a))).toBe(a);
  });

  it("detects overlapping ranges", () => {
    expect(cidrs6Overlap(v6("fd42:abcd::/48"), v6("fd42:abcd:0:5::/64"))).toBe(true);
    expect(cidrs6Overlap(v6("fd42:abcd::/48"), v6("fd42:abce::/48"))).toBe(false);
  });

  it("matches a CIDR of either family, never across families", () => {
    expect(anyCidrContains("fd42::/64", "fd42::5")).toBe(true);
    expect(anyCidrContains("fd42::/64", "fd43::5")).toBe(false);
    expect(anyCidrContains("10.0.0.0/8", "10.1.2.3")).toBe(true);
    expect(anyCidrContains("0.0.0.0/0", "fd42::5")).toBe(false);
    expect(anyCidrContains("::/0", "10.1.2.3")).toBe(false);
    expect(anyCidrContains("garbage", "10.1.2.3")).toBe(false);
  });
});
