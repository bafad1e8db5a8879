import { describe, expect, it } from "vitest";
import { capabilitiesOf, capabilityKey, compareNebulaVersions, formatNebulaVersion, isAtLeast, parseNebulaVersion } from "./nebula-versions";

describe("parseNebulaVersion", () => {
  it.each([
    ["1.10.3", { major: 1, minor: 10, patch: 3 }],
    ["v1.6.1", { major: 1, minor: 6, patch: 1 }],
    [" 1.6.1 ", { major: 1, minor: 6, patch: 1 }],
    ["1.6.1+dfsg", { major: 1, minor: 6, patch: 1 }],
    ["1.11.0-rc1", { major: 1, minor: 11, patch: 0 }],
    ["1.9", { major: 1, minor: 9, patch: 0 }],
  ])("reads %j", (text, version) => {
    expect(parseNebulaVersion(text)).toEqual(version);
  });

  it.each([null, undefined, "", "dev", "1", "one.two", "1.10.3; rm -rf /", "1..3"])("reads %j as no version", (text) => {
    expect(parseNebulaVersion(text)).toBeNull();
  });

  it("compares numerically, not as text (1.10 is after 1.9)", () => {
    const v = (t: string) => parseNebulaVersion(t)!;
    expect(compareNebulaVersions(v("1.10.0"), v("1.9.7"))).toBeGreaterThan(0);
    expect(isAtLeast(v("1.10.3"), 1, 10, 3)).toBe(true);
    expect(isAtLeast(v("1.10.2"), 1, 10, 3)).toBe(false);
    expect(formatNebulaVersion(v("v1.7"))).toBe("1.7.0");
  });
});

describe("capabilitiesOf", () => {
  const caps = (t: string) => capabilitiesOf(parseNebulaVersion(t)!);

  it("gives 1.6 neither action keys, local_cidr, initiating_version nor v2", () => {
    expect(caps("1.6.1")).toEqual({
      firewallActions: false,
      localCidr: false,
      firewallActionsSwapped: false,
      initiatingVersion: false,
      defaultLocalCidrAny: false,
      v2Certificates: false,
      disconnectInvalidByDefault: false,
      unsafeRoutesReload: false,
    });
  });

  it("reloads subnet routes on SIGHUP from 1.9 on", () => {
    expect(caps("1.8.2").unsafeRoutesReload).toBe(false);
    expect(caps("1.9.0").unsafeRoutesReload).toBe(true);
    expect(caps("1.10.3").unsafeRoutesReload).toBe(true);
  });

  it.each(["1.7.0", "1.8.2", "1.9.7", "1.10.0", "1.10.3"])("marks %s as applying the action keys to the opposite direction (#1798)", (t) => {
    expect(caps(t)).toMatchObject({ firewallActions: true, firewallActionsSwapped: true });
  });

  it.each(["1.11.0", "1.12.1", "2.0.0"])("does not swap the action keys on %s, where #1798 is fixed", (t) => {
    expect(caps(t)).toMatchObject({ firewallActions: true, firewallActionsSwapped: false });
  });

  it("starts initiating_version, default_local_cidr_any and v2 certificates at 1.10, disconnect_invalid's default at 1.8", () => {
    expect(caps("1.9.7")).toMatchObject({ initiatingVersion: false, defaultLocalCidrAny: false, v2Certificates: false, disconnectInvalidByDefault: true });
    expect(caps("1.7.4").disconnectInvalidByDefault).toBe(false);
    expect(caps("1.10.0")).toMatchObject({ initiatingVersion: true, defaultLocalCidrAny: true, v2Certificates: true });
  });

  it("keys versions alike together and versions that render differently apart", () => {
    expect(capabilityKey(caps("1.10.2"))).toBe(capabilityKey(caps("1.10.3")));
    const keys = new Set(["1.6.1", "1.7.0", "1.10.3", "1.11.0"].map((t) => capabilityKey(caps(t))));
    expect(keys.size).toBe(4);
  });
});
