import { describe, expect, it } from "vitest";
import { CLIENT_IP_HEADER, clientIpFrom } from "./client-ip";

const headers = (peer: string, xff?: string) => new Headers({ [CLIENT_IP_HEADER]: peer, ...(xff ? { "x-forwarded-for": xff } : {}) });

describe("clientIpFrom", () => {
  it("uses the socket address and ignores X-Forwarded-For from untrusted peers", () => {
    expect(clientIpFrom(headers("203.0.113.9", "1.2.3.4"), "")).toBe("203.0.113.9");
  });
  it("unwraps IPv4-mapped IPv6 socket addresses", () => {
    expect(clientIpFrom(headers("::ffff:127.0.0.1"), "")).toBe("127.0.0.1");
  });
  it("believes X-Forwarded-For only from a trusted proxy, taking the first untrusted hop from the right", () => {
    expect(clientIpFrom(headers("10.0.0.2", "198.51.100.7, 10.0.0.3"), "10.0.0.0/24")).toBe("198.51.100.7");
    expect(clientIpFrom(headers("10.0.0.2", "6.6.6.6, 198.51.100.7"), "10.0.0.0/24")).toBe("198.51.100.7");
  });
  it("returns null without a socket address", () => {
    expect(clientIpFrom(new Headers(), "")).toBeNull();
  });
});

describe("rateLimitAddress", () => {
  it("keys an IPv6 address by its /64, since one host is handed a whole /64 to rotate through", async () => {
    const { rateLimitAddress } = await import("./client-ip");
    expect(rateLimitAddress("2001:db8:1:2::1")).toBe(rateLimitAddress("2001:db8:1:2:ffff:ffff:ffff:fffe"));
    expect(rateLimitAddress("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(rateLimitAddress("2001:db8:1:3::1")).not.toBe(rateLimitAddress("2001:db8:1:2::1"));
  });
  it("keeps IPv4 addresses whole, and maps IPv4-mapped IPv6 to IPv4", async () => {
    const { rateLimitAddress } = await import("./client-ip");
    expect(rateLimitAddress("203.0.113.9")).toBe("203.0.113.9");
    expect(rateLimitAddress("::ffff:203.0.113.9")).toBe("203.0.113.9");
  });
});
