import { describe, expect, it } from "vitest";
import { connectivity } from "./connectivity";

describe("connectivity", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");
  const ago = (s: number) => new Date(now - s * 1000);
  it("classifies by the age of the last poll", () => {
    expect(connectivity(null, now)).toBe("never");
    expect(connectivity(ago(30), now)).toBe("online");
    expect(connectivity(ago(180), now)).toBe("online");
    expect(connectivity(ago(181), now)).toBe("stale");
    expect(connectivity(ago(900), now)).toBe("stale");
    expect(connectivity(ago(901), now)).toBe("offline");
  });
});
