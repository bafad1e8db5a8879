import { describe, expect, it } from "vitest";
import { formatAge, hostStatus, offlineAfterSeconds, type HostStatusInput } from "./host-status";

const now = Date.parse("2026-11-26T12:00:00Z");
const ago = (s: number) => new Date(now - s * 1000);
const current: HostStatusInput = {
  status: "active",
  lastSeenAt: ago(3),
  fetchedEtag: '"b"',
  appliedEtag: '"b"',
  appliedRevision: 7,
  renderedEtag: '"b"',
  renderedRevision: 7,
  configRevision: 7,
  pollSeconds: 5,
  nebulaState: "running",
  lastError: null,
};
const state = (over: Partial<HostStatusInput>) => hostStatus({ ...current, ...over }, now).state;

describe("hostStatus", () => {
  it("says applied only when the host confirmed the latest bundle and nebula runs", () => {
    expect(hostStatus(current, now)).toMatchObject({ state: "applied", label: "applied · rev 7" });
  });
  it("says fetched, not applied, when the files arrived but nebula did not take them", () => {
    expect(state({ appliedEtag: '"a"', appliedRevision: 6, lastError: "nebula -test refused revision 7" })).toBe("fetched");
    expect(hostStatus({ ...current, appliedEtag: '"a"', lastError: "nebula -test refused" }, now).detail).toContain("nebula -test refused");
  });
  it("says behind when the network moved on and the host has not confirmed the new revision", () => {
    expect(state({ configRevision: 8 })).toBe("behind");
    expect(state({ renderedEtag: '"c"', fetchedEtag: '"b"', appliedEtag: '"b"' })).toBe("behind");
    // An agent that predates reports never confirms anything.
    expect(state({ appliedEtag: null, fetchedEtag: '"a"', nebulaState: null })).toBe("behind");
  });
  it("says down when the agent reports nebula stopped or crashed, whatever it applied", () => {
    expect(state({ nebulaState: "stopped" })).toBe("down");
    expect(state({ nebulaState: "failed" })).toBe("down");
  });
  it("says offline once polls stop for one and a half intervals", () => {
    expect(offlineAfterSeconds(5)).toBe(9.5);
    expect(state({ lastSeenAt: ago(9) })).toBe("applied");
    expect(state({ lastSeenAt: ago(10) })).toBe("offline");
    expect(state({ lastSeenAt: ago(80), pollSeconds: 60 })).toBe("applied");
    expect(state({ lastSeenAt: ago(93), pollSeconds: 60 })).toBe("offline");
  });
  it("puts node state and never-polled first", () => {
    expect(state({ status: "blocked" })).toBe("blocked");
    expect(state({ status: "pending" })).toBe("pending");
    expect(state({ lastSeenAt: null })).toBe("never");
  });
  it("says how long a host has been silent in a unit people read", () => {
    expect([formatAge(42), formatAge(1415), formatAge(5 * 3600), formatAge(3 * 86400)]).toEqual(["42 s", "24 min", "5 h", "3 d"]);
    expect(hostStatus({ ...current, lastSeenAt: ago(1415) }, now).detail).toBe("Its agent has not polled for 24 min (it polls every 5 s).");
  });
});
