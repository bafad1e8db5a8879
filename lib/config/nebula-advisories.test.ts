import { describe, expect, it } from "vitest";
import { advisoriesFor, NEBULA_ADVISORIES } from "./nebula-advisories";
import { parseNebulaVersion } from "./nebula-versions";

const ids = (v: string | null) => advisoriesFor(v).map((a) => a.id);

describe("advisoriesFor", () => {
  it.each([
    ["1.6.1", ["p256-blocklist-bypass"]],
    ["1.7.0", ["p256-blocklist-bypass", "action-direction-1798"]],
    ["1.10.2", ["p256-blocklist-bypass", "action-direction-1798"]],
    ["1.10.3", ["action-direction-1798"]],
    ["1.11.0", []],
  ])("names what affects %s", (version, expected) => {
    expect(ids(version)).toEqual(expected);
  });

  it("says nothing about a version it cannot read", () => {
    expect(ids(null)).toEqual([]);
    expect(ids("dev")).toEqual([]);
  });

  it("keeps readable bounds in its table", () => {
    for (const a of NEBULA_ADVISORIES) {
      expect(parseNebulaVersion(a.introducedIn), a.id).not.toBeNull();
      expect(parseNebulaVersion(a.fixedIn), a.id).not.toBeNull();
    }
  });
});
