import { describe, expect, it } from "vitest";
import { bestRole, effectiveRole, hasRole, wouldRemoveLastOwner } from "./roles";

describe("effectiveRole", () => {
  it("uses the membership when there is one", () => {
    expect(effectiveRole("admin", "user")).toBe("admin");
    expect(effectiveRole("viewer", "admin")).toBe("viewer");
  });
  it("lets a system admin read any network, and nobody else", () => {
    expect(effectiveRole(null, "admin")).toBe("viewer");
    expect(effectiveRole(null, "user")).toBeNull();
  });
});

describe("hasRole", () => {
  it.each([
    ["viewer", "viewer", true],
    ["viewer", "admin", false],
    ["admin", "viewer", true],
    ["admin", "admin", true],
    ["admin", "owner", false],
    ["owner", "owner", true],
    [null, "viewer", false],
  ] as const)("%s has %s: %s", (actual, required, expected) => {
    expect(hasRole(actual, required)).toBe(expected);
  });
});

describe("wouldRemoveLastOwner", () => {
  it("protects only the last owner", () => {
    expect(wouldRemoveLastOwner(1, "owner", "admin")).toBe(true);
    expect(wouldRemoveLastOwner(1, "owner", null)).toBe(true);
    expect(wouldRemoveLastOwner(1, "owner", "owner")).toBe(false);
    expect(wouldRemoveLastOwner(2, "owner", null)).toBe(false);
    expect(wouldRemoveLastOwner(1, "admin", null)).toBe(false);
  });
});

describe("bestRole (a direct membership and group grants)", () => {
  it("takes the higher of the two, whichever side it is on", () => {
    expect(bestRole("admin", "viewer")).toBe("admin");
    expect(bestRole("viewer", "owner")).toBe("owner");
    expect(bestRole(null, "viewer")).toBe("viewer");
    expect(bestRole("admin", null)).toBe("admin");
    expect(bestRole(null, null)).toBeNull();
  });
});
