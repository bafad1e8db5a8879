import { describe, expect, it } from "vitest";
import { addressProblem, urlPolicyFromEnv, urlSafetyProblem } from "./url-safety";

const strict = urlPolicyFromEnv({});
const allowPrivate = urlPolicyFromEnv({ NC_WEBHOOK_ALLOW_PRIVATE: "1" });

describe("addressProblem", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["::1", /loopback/],
    ["169.254.169.254", /metadata/],
    ["169.254.1.1", /linkLocal/],
    ["fe80::1", /linkLocal/],
    ["10.1.2.3", /private/],
    ["172.16.0.1", /private/],
    ["192.168.1.1", /private/],
    ["fd00::1", /uniqueLocal/],
    ["fd00:ec2::254", /metadata/],
    ["100.64.0.1", /carrierGradeNat/],
    ["224.0.0.1", /multicast/],
    ["ff02::1", /multicast/],
    ["0.0.0.0", /unspecified/],
    ["::", /unspecified/],
    ["::ffff:127.0.0.1", /loopback/],
    ["255.255.255.255", /broadcast/],
  ])("refuses %s", (ip, reason) => {
    expect(addressProblem(ip, strict)).toMatch(reason);
  });

  it.each(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "1.1.1.1"])("allows the public address %s", (ip) => {
    expect(addressProblem(ip, strict)).toBeNull();
  });

  it("NC_WEBHOOK_ALLOW_PRIVATE allows private and loopback ranges but never the metadata service", () => {
    expect(addressProblem("127.0.0.1", allowPrivate)).toBeNull();
    expect(addressProblem("10.0.0.5", allowPrivate)).toBeNull();
    expect(addressProblem("169.254.169.254", allowPrivate)).toMatch(/metadata/);
  });

  it("NC_WEBHOOK_ALLOWED_CIDRS allows exactly its ranges", () => {
    const policy = urlPolicyFromEnv({ NC_WEBHOOK_ALLOWED_CIDRS: "10.20.0.0/16, fd12::/16" });
    expect(addressProblem("10.20.1.1", policy)).toBeNull();
    expect(addressProblem("fd12::7", policy)).toBeNull();
    expect(addressProblem("10.21.1.1", policy)).toMatch(/private/);
    expect(() => urlPolicyFromEnv({ NC_WEBHOOK_ALLOWED_CIDRS: "not-a-cidr" })).toThrow(/NC_WEBHOOK_ALLOWED_CIDRS/);
  });
});

describe("urlSafetyProblem", () => {
  it.each([
    ["ftp://example.com/", /http/],
    ["https://user:pw@example.com/", /credentials/],
    ["not a url", /full URL/],
    ["http://localhost:8080/", /server itself/],
    ["http://127.1/", /dotted decimal|loopback/],
    ["http://2130706433/", /dotted decimal|loopback/],
    ["http://[::1]/", /loopback/],
  ])("refuses %s", (url, reason) => {
    expect(urlSafetyProblem(url, strict)).toMatch(reason);
  });

  it("accepts a public https URL; its name is checked again at delivery, after resolution", () => {
    expect(urlSafetyProblem("https://hooks.example.com/nebula?x=1", strict)).toBeNull();
  });
});
