import { describe, expect, it } from "vitest";
import { hostStateOf, participationBlocker, type NodeLifecycle } from "./host-state";

const now = new Date("2026-03-01T12:00:00Z");
const validCert = { notAfter: "2027-03-01T12:00:00.000Z", revoked: false };

function node(fields: Partial<NodeLifecycle>): NodeLifecycle {
  return { status: "active", awaitingApproval: false, certificate: validCert, ...fields };
}

describe("hostStateOf", () => {
  it("calls an active node's unexpired, unrevoked certificate current", () => {
    expect(hostStateOf(node({}), now)).toEqual({ status: "active", certificate: "current", awaitingApproval: false });
  });

  it("calls a certificate expired from its notAfter on, to the millisecond", () => {
    expect(hostStateOf(node({ certificate: { notAfter: now.toISOString(), revoked: false } }), now).certificate).toBe("expired");
    expect(hostStateOf(node({ certificate: { notAfter: new Date(now.getTime() + 1).toISOString(), revoked: false } }), now).certificate).toBe("current");
  });

  it("treats a missing or revoked certificate as none", () => {
    expect(hostStateOf(node({ certificate: null }), now).certificate).toBe("none");
    expect(hostStateOf(node({ certificate: { ...validCert, revoked: true } }), now).certificate).toBe("none");
  });

  it("carries the status and whether a pending node awaits approval", () => {
    expect(hostStateOf(node({ status: "pending", awaitingApproval: true, certificate: null }), now)).toEqual({ status: "pending", certificate: "none", awaitingApproval: true });
    expect(hostStateOf(node({ status: "blocked", certificate: null }), now).status).toBe("blocked");
  });
});

describe("participationBlocker", () => {
  it("lets an active node with a current certificate through", () => {
    expect(participationBlocker("web1", { status: "active", certificate: "current" })).toBeNull();
  });

  it("says a blocked node is on every blocklist, even if a certificate still looks current", () => {
    expect(participationBlocker("web2", { status: "blocked", certificate: "current" })).toBe(
      "web2 is blocked: its certificate is on every node's blocklist, so it can reach no one and no one can reach it",
    );
  });

  it("tells a pending node awaiting approval from one that has not enrolled", () => {
    expect(participationBlocker("db1", { status: "pending", certificate: "none", awaitingApproval: true })).toBe(
      "db1 is waiting for approval and has no certificate yet, so it can reach no one and no one can reach it",
    );
    expect(participationBlocker("db1", { status: "pending", certificate: "none" })).toBe("db1 has not enrolled yet and has no certificate, so it can reach no one and no one can reach it");
  });

  it("refuses an active node whose certificate expired or was revoked", () => {
    expect(participationBlocker("app1", { status: "active", certificate: "expired" })).toBe("app1's certificate has expired, so it can reach no one and no one can reach it");
    expect(participationBlocker("app1", { status: "active", certificate: "none" })).toBe("app1 has no unrevoked certificate, so it can reach no one and no one can reach it");
  });
});
