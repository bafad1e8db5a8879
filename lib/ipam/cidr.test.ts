import { describe, expect, it } from "vitest";
import { cidrsOverlap, intToIpv4, ipv4ToInt, isPrivateRange, parseNetworkCidr, suggestCidr } from "./cidr";

function cidr(text: string) {
  const parsed = parseNetworkCidr(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.cidr;
}

describe("parseNetworkCidr", () => {
  it.each(["10.42.0.0/16", "192.168.1.0/24", "100.64.0.0/10", "10.0.0.0/8", "172.16.5.4/30"])("accepts %s", (text) => {
    expect(parseNetworkCidr(text).ok).toBe(true);
  });

  it.each([
    ["10.42.0.0", "IPv4 range"],
    ["10.42.0.0/7", "between /8 and /30"],
    ["10.42.0.0/31", "between /8 and /30"],
    ["10.42.0.1/16", "did you mean 10.42.0.0/16"],
    ["256.1.1.1/24", "IPv4 range"],
    ["fd00::/64", "IPv4 range"],
    ["10.42.0.0/ 16", "IPv4 range"],
    ["010.42.0.0/16", "IPv4 range"],
    ["", "IPv4 range"],
  ])("rejects %s", (text, message) => {
    const parsed = parseNetworkCidr(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });

  it("computes the first and last address", () => {
    const c = cidr("10.42.0.0/16");
    expect(intToIpv4(c.start)).toBe("10.42.0.0");
    expect(intToIpv4(c.end)).toBe("10.42.255.255");
    expect(ipv4ToInt("255.255.255.255")).toBe(0xffffffff);
  });
});

describe("cidrsOverlap", () => {
  it("detects containment, partial and disjoint ranges", () => {
    expect(cidrsOverlap(cidr("10.0.0.0/8"), cidr("10.42.0.0/16"))).toBe(true);
    expect(cidrsOverlap(cidr("10.42.0.0/16"), cidr("10.0.0.0/8"))).toBe(true);
    expect(cidrsOverlap(cidr("10.42.0.0/24"), cidr("10.42.1.0/24"))).toBe(false);
    expect(cidrsOverlap(cidr("10.42.0.0/23"), cidr("10.42.1.0/24"))).toBe(true);
    expect(cidrsOverlap(cidr("192.168.0.252/30"), cidr("192.168.1.0/30"))).toBe(false);
  });
});

describe("isPrivateRange", () => {
  it("knows RFC 1918 and CGNAT from public space", () => {
    expect(isPrivateRange(cidr("10.42.0.0/16"))).toBe(true);
    expect(isPrivateRange(cidr("172.31.0.0/16"))).toBe(true);
    expect(isPrivateRange(cidr("100.64.0.0/10"))).toBe(true);
    expect(isPrivateRange(cidr("172.32.0.0/16"))).toBe(false);
    expect(isPrivateRange(cidr("8.8.8.0/24"))).toBe(false);
    // Straddles the edge of 172.16/12: partly public, so not private.
    expect(isPrivateRange(cidr("172.0.0.0/10"))).toBe(false);
  });
});

describe("suggestCidr", () => {
  it("skips ranges already taken", () => {
    expect(suggestCidr([])).toBe("10.42.0.0/16");
    expect(suggestCidr([cidr("10.42.0.0/16"), cidr("10.43.7.0/24")])).toBe("10.44.0.0/16");
  });
});
