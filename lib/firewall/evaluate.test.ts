import { describe, expect, it } from "vitest";
import { describeRule, evaluate, ruleMatches, rulesApplyingTo, type HostIdentity, type Query } from "./evaluate";
import { defaultRules, type FirewallRule, type RuleInput } from "./rule-schema";

/** Stored rules in the given order: ids r1, r2, … and positions 10, 20, …. */
function stored(inputs: RuleInput[]): FirewallRule[] {
  return inputs.map((input, i) => ({ ...input, id: `r${i + 1}`, position: (i + 1) * 10 }));
}

function input(fields: Partial<RuleInput> & Pick<RuleInput, "direction">): RuleInput {
  return { port: "any", proto: "any", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "", ...fields };
}

const allowAllOutbound = input({ direction: "outbound" });

function host(name: string, groups: string[], ip = "10.42.0.1"): HostIdentity {
  return { name, ip, groups };
}

const web1 = host("web-1", ["web"], "10.42.1.1");
const web2 = host("web-2", ["web", "prod"], "10.42.1.2");
const app1 = host("app-1", ["app"], "10.42.2.1");
const db1 = host("db-1", ["db"], "10.42.3.1");
const ops1 = host("ops-1", ["ops"], "10.42.4.1");

const tcp = (port: number): Query => ({ proto: "tcp", port });
const udp = (port: number): Query => ({ proto: "udp", port });
const icmp: Query = { proto: "icmp", port: 0 };

describe("evaluate with the default rules", () => {
  const rules = stored(defaultRules);

  it("allows ping between any two hosts", () => {
    const result = evaluate(rules, web1, db1, icmp);
    expect(result.allowed).toBe(true);
    expect(result.outbound).toMatchObject({ allowed: true, ruleId: "r1" });
    expect(result.inbound).toMatchObject({ allowed: true, ruleId: "r2" });
  });

  it("drops tcp/443 on the inbound side", () => {
    const result = evaluate(rules, web1, db1, tcp(443));
    expect(result.allowed).toBe(false);
    expect(result.outbound.allowed).toBe(true);
    expect(result.inbound).toEqual({ allowed: false, reason: "No inbound rule on db-1 allows tcp/443 from web-1" });
    expect(result.summary).toBe("web-1 cannot reach db-1 on tcp/443: no inbound rule on db-1 allows tcp/443 from web-1.");
  });
});

describe("evaluate with a group rule applying to a group", () => {
  const rules = stored([allowAllOutbound, input({ direction: "inbound", proto: "tcp", port: "8080", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "app" } })]);

  it("lets web hosts into app hosts", () => {
    expect(evaluate(rules, web1, app1, tcp(8080)).allowed).toBe(true);
    expect(evaluate(rules, web2, app1, tcp(8080)).allowed).toBe(true);
  });

  it("keeps other groups out", () => {
    expect(evaluate(rules, ops1, app1, tcp(8080)).allowed).toBe(false);
    expect(evaluate(rules, db1, app1, tcp(8080)).allowed).toBe(false);
  });

  it("does not open the port on hosts outside the applies-to group", () => {
    expect(evaluate(rules, web1, db1, tcp(8080)).allowed).toBe(false);
    expect(evaluate(rules, web1, web2, tcp(8080)).allowed).toBe(false);
  });

  it("opens only the named port and protocol", () => {
    expect(evaluate(rules, web1, app1, tcp(8081)).allowed).toBe(false);
    expect(evaluate(rules, web1, app1, udp(8080)).allowed).toBe(false);
    expect(evaluate(rules, web1, app1, icmp).allowed).toBe(false);
  });
});

describe("peer selectors", () => {
  function inboundFrom(peer: RuleInput["peer"]): FirewallRule[] {
    return stored([allowAllOutbound, input({ direction: "inbound", proto: "tcp", port: "22", peer })]);
  }

  it("groups requires every listed group", () => {
    const rules = inboundFrom({ kind: "groups", groups: ["web", "prod"] });
    expect(evaluate(rules, web2, db1, tcp(22)).allowed).toBe(true);
    expect(evaluate(rules, web1, db1, tcp(22)).allowed).toBe(false);
    expect(evaluate(rules, host("prod-only", ["prod"]), db1, tcp(22)).allowed).toBe(false);
  });

  it("cidr matches peers whose address is inside, edges included", () => {
    const rules = inboundFrom({ kind: "cidr", cidr: "10.42.1.0/24" });
    expect(evaluate(rules, host("a", [], "10.42.1.0"), db1, tcp(22)).allowed).toBe(true);
    expect(evaluate(rules, host("b", [], "10.42.1.255"), db1, tcp(22)).allowed).toBe(true);
    expect(evaluate(rules, host("c", [], "10.42.2.0"), db1, tcp(22)).allowed).toBe(false);
    expect(evaluate(rules, host("d", [], "10.42.0.255"), db1, tcp(22)).allowed).toBe(false);
  });

  it("cidr /32 matches one address and /0 matches every address", () => {
    const single = inboundFrom({ kind: "cidr", cidr: "10.42.1.1/32" });
    expect(evaluate(single, web1, db1, tcp(22)).allowed).toBe(true);
    expect(evaluate(single, web2, db1, tcp(22)).allowed).toBe(false);
    const everything = inboundFrom({ kind: "cidr", cidr: "0.0.0.0/0" });
    expect(evaluate(everything, host("far", [], "255.255.255.255"), db1, tcp(22)).allowed).toBe(true);
  });

  it("host matches the certificate name only", () => {
    const rules = inboundFrom({ kind: "host", host: "web-1" });
    expect(evaluate(rules, web1, db1, tcp(22)).allowed).toBe(true);
    expect(evaluate(rules, web2, db1, tcp(22)).allowed).toBe(false);
  });

  it("treats the group or host named any as every peer, as Nebula does", () => {
    const anyPeers: RuleInput["peer"][] = [{ kind: "group", group: "any" }, { kind: "groups", groups: ["web", "any"] }, { kind: "host", host: "any" }];
    for (const peer of anyPeers) {
      const rules = inboundFrom(peer);
      expect(evaluate(rules, ops1, db1, tcp(22)).allowed).toBe(true);
    }
  });
});

describe("ports", () => {
  function inboundTcp(port: string): FirewallRule[] {
    return stored([allowAllOutbound, input({ direction: "inbound", proto: "tcp", port })]);
  }

  it("ranges include both edges", () => {
    const rules = inboundTcp("8000-8100");
    expect(evaluate(rules, web1, db1, tcp(7999)).allowed).toBe(false);
    expect(evaluate(rules, web1, db1, tcp(8000)).allowed).toBe(true);
    expect(evaluate(rules, web1, db1, tcp(8050)).allowed).toBe(true);
    expect(evaluate(rules, web1, db1, tcp(8100)).allowed).toBe(true);
    expect(evaluate(rules, web1, db1, tcp(8101)).allowed).toBe(false);
  });

  it("a single port matches only itself", () => {
    const rules = inboundTcp("443");
    expect(evaluate(rules, web1, db1, tcp(442)).allowed).toBe(false);
    expect(evaluate(rules, web1, db1, tcp(443)).allowed).toBe(true);
    expect(evaluate(rules, web1, db1, tcp(444)).allowed).toBe(false);
  });

  it("fragment never matches a first packet", () => {
    const rules = inboundTcp("fragment");
    for (const port of [1, 443, 65535]) expect(evaluate(rules, web1, db1, tcp(port)).allowed).toBe(false);
    expect(ruleMatches(rules[1]!, web1, tcp(443))).toBe(false);
  });

  it("checks the destination port in both directions", () => {
    const rules = stored([input({ direction: "outbound", proto: "tcp", port: "5432" }), input({ direction: "inbound", proto: "tcp", port: "5432" })]);
    expect(evaluate(rules, web1, db1, tcp(5432)).allowed).toBe(true);
    expect(evaluate(rules, web1, db1, tcp(5433)).allowed).toBe(false);
  });
});

describe("proto any and ICMP", () => {
  const anyOn443 = stored([input({ direction: "inbound", proto: "any", port: "443" })])[0]!;
  const anyOnAny = stored([input({ direction: "inbound", proto: "any", port: "any" })])[0]!;
  const tcpOnAny = stored([input({ direction: "inbound", proto: "tcp", port: "any" })])[0]!;

  it("a numbered port never matches ICMP, which Nebula looks up as port 0", () => {
    expect(ruleMatches(anyOn443, web1, icmp)).toBe(false);
    expect(ruleMatches(anyOn443, web1, tcp(443))).toBe(true);
    expect(ruleMatches(anyOn443, web1, udp(443))).toBe(true);
  });

  it("proto any on port any matches ICMP", () => {
    expect(ruleMatches(anyOnAny, web1, icmp)).toBe(true);
  });

  it("a tcp rule never matches ICMP, even on port any", () => {
    expect(ruleMatches(tcpOnAny, web1, icmp)).toBe(false);
  });

  it("ignores the query port for ICMP", () => {
    const icmpRule = stored([input({ direction: "inbound", proto: "icmp" })])[0]!;
    expect(ruleMatches(icmpRule, web1, { proto: "icmp", port: 443 })).toBe(true);
    expect(ruleMatches(anyOn443, web1, { proto: "icmp", port: 443 })).toBe(false);
  });
});

describe("appliesTo", () => {
  const rules = stored([allowAllOutbound, input({ direction: "inbound", proto: "tcp", port: "22", appliesTo: { kind: "group", group: "ops" } })]);

  it("protects only hosts in the group", () => {
    expect(evaluate(rules, web1, ops1, tcp(22)).allowed).toBe(true);
    expect(evaluate(rules, ops1, web1, tcp(22)).allowed).toBe(false);
  });

  it("also restricts outbound rules to their group", () => {
    const outboundForOps = stored([input({ direction: "outbound", appliesTo: { kind: "group", group: "ops" } }), input({ direction: "inbound" })]);
    expect(evaluate(outboundForOps, ops1, db1, tcp(22)).allowed).toBe(true);
    const denied = evaluate(outboundForOps, web1, db1, tcp(22));
    expect(denied.outbound).toEqual({ allowed: false, reason: "No outbound rule on web-1 allows tcp/22 to db-1" });
    expect(denied.inbound.allowed).toBe(true);
  });
});

describe("rulesApplyingTo", () => {
  it("keeps the host's rules of one direction, ordered by position", () => {
    const rules: FirewallRule[] = [
      { ...input({ direction: "inbound", port: "80", proto: "tcp" }), id: "late", position: 30 },
      { ...input({ direction: "inbound", port: "22", proto: "tcp", appliesTo: { kind: "group", group: "db" } }), id: "db-only", position: 5 },
      { ...input({ direction: "outbound" }), id: "out", position: 1 },
      { ...input({ direction: "inbound", proto: "icmp" }), id: "early", position: 10 },
    ];
    expect(rulesApplyingTo(rules, web1, "inbound").map((r) => r.id)).toEqual(["early", "late"]);
    expect(rulesApplyingTo(rules, db1, "inbound").map((r) => r.id)).toEqual(["db-only", "early", "late"]);
    expect(rulesApplyingTo(rules, db1, "outbound").map((r) => r.id)).toEqual(["out"]);
    expect(rules.map((r) => r.id)).toEqual(["late", "db-only", "out", "early"]);
  });
});

describe("verdicts", () => {
  it("name the first matching rule in position order, not array order", () => {
    const rules: FirewallRule[] = [
      { ...input({ direction: "inbound", proto: "tcp", port: "443" }), id: "specific", position: 20 },
      { ...input({ direction: "inbound", proto: "tcp", port: "1-1024", peer: { kind: "group", group: "web" } }), id: "broad", position: 10 },
      { ...input({ direction: "inbound", proto: "udp", port: "443" }), id: "non-matching", position: 1 },
      { ...input({ direction: "outbound" }), id: "out", position: 99 },
    ];
    const result = evaluate(rules, web1, db1, tcp(443));
    expect(result.inbound).toMatchObject({ allowed: true, ruleId: "broad" });
    expect(result.outbound).toMatchObject({ allowed: true, ruleId: "out" });
    expect(evaluate(rules, ops1, db1, tcp(443)).inbound).toMatchObject({ allowed: true, ruleId: "specific" });
  });

  it("carry the matched rule itself", () => {
    const rules = stored(defaultRules);
    const result = evaluate(rules, web1, db1, icmp);
    expect(result.inbound.allowed && result.inbound.rule).toBe(rules[1]);
  });

  it("explain both sides when both deny", () => {
    const result = evaluate([], web1, db1, udp(53));
    expect(result.allowed).toBe(false);
    expect(result.outbound).toEqual({ allowed: false, reason: "No outbound rule on web-1 allows udp/53 to db-1" });
    expect(result.inbound).toEqual({ allowed: false, reason: "No inbound rule on db-1 allows udp/53 from web-1" });
    expect(result.summary).toBe("web-1 cannot reach db-1 on udp/53: no outbound rule on web-1 allows udp/53 to db-1, and no inbound rule on db-1 allows udp/53 from web-1.");
  });

  it("summarise an allowed flow with both rules", () => {
    const rules = stored([allowAllOutbound, input({ direction: "inbound", proto: "tcp", port: "443", peer: { kind: "group", group: "web" } })]);
    expect(evaluate(rules, web1, db1, tcp(443)).summary).toBe(
      'web-1 can reach db-1 on tcp/443, allowed by "outbound any to any host (applies to all hosts)" and "inbound tcp/443 from group web (applies to all hosts)".',
    );
  });

  it("evaluate a host talking to itself like any other pair", () => {
    const rules = stored([allowAllOutbound, input({ direction: "inbound", proto: "tcp", port: "22", peer: { kind: "group", group: "ops" } })]);
    expect(evaluate(rules, ops1, ops1, tcp(22)).allowed).toBe(true);
    expect(evaluate(rules, web1, web1, tcp(22))).toMatchObject({ allowed: false, inbound: { allowed: false, reason: "No inbound rule on web-1 allows tcp/22 from web-1" } });
  });
});

describe("evaluate with node state", () => {
  const openRules = stored([allowAllOutbound, input({ direction: "inbound" })]);
  const active = { status: "active", certificate: "current" } as const;
  const blocked = { status: "blocked", certificate: "none" } as const;
  const BLOCKED_WEB2 = "web-2 is blocked: its certificate is on every node's blocklist, so it can reach no one and no one can reach it";

  it("refuses a blocked destination before any rule, with the reason in the summary and both verdicts", () => {
    const result = evaluate(openRules, { ...web1, state: active }, { ...web2, state: blocked }, tcp(443));
    expect(result).toEqual({
      allowed: false,
      blockedBy: "node-state",
      outbound: { allowed: false, reason: BLOCKED_WEB2 },
      inbound: { allowed: false, reason: BLOCKED_WEB2 },
      summary: `web-1 cannot reach web-2 on tcp/443. ${BLOCKED_WEB2}.`,
    });
  });

  it("refuses a blocked source the same way", () => {
    const result = evaluate(openRules, { ...web2, state: blocked }, { ...web1, state: active }, icmp);
    expect(result).toMatchObject({ allowed: false, blockedBy: "node-state", summary: `web-2 cannot reach web-1 on icmp. ${BLOCKED_WEB2}.` });
  });

  it("names both ends when neither takes part, and a node talking to itself once", () => {
    const pending = { status: "pending", certificate: "none", awaitingApproval: true } as const;
    const result = evaluate(openRules, { ...web2, state: blocked }, { ...db1, state: pending }, tcp(5432));
    expect(result.summary).toBe(`web-2 cannot reach db-1 on tcp/5432. ${BLOCKED_WEB2}. db-1 is waiting for approval and has no certificate yet, so it can reach no one and no one can reach it.`);
    expect(evaluate(openRules, { ...web2, state: blocked }, { ...web2, state: blocked }, tcp(22)).summary).toBe(`web-2 cannot reach web-2 on tcp/22. ${BLOCKED_WEB2}.`);
  });

  it("refuses an active node with an expired certificate", () => {
    const result = evaluate(openRules, { ...web1, state: active }, { ...app1, state: { status: "active", certificate: "expired" } }, tcp(8080));
    expect(result).toMatchObject({ allowed: false, blockedBy: "node-state", inbound: { reason: "app-1's certificate has expired, so it can reach no one and no one can reach it" } });
  });

  it("answers on the rules, without blockedBy, when both ends are active", () => {
    const result = evaluate(openRules, { ...web1, state: active }, { ...web2, state: active }, tcp(443));
    expect(result.allowed).toBe(true);
    expect(result).not.toHaveProperty("blockedBy");
  });
});

describe("describeRule", () => {
  it.each([
    [input({ direction: "inbound", proto: "tcp", port: "443", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" } }), "inbound tcp/443 from group web (applies to group db)"],
    [input({ direction: "outbound" }), "outbound any to any host (applies to all hosts)"],
    [input({ direction: "inbound", proto: "icmp" }), "inbound icmp from any host (applies to all hosts)"],
    [input({ direction: "inbound", proto: "udp", port: "8000-8100", peer: { kind: "cidr", cidr: "10.0.0.0/8" } }), "inbound udp/8000-8100 from 10.0.0.0/8 (applies to all hosts)"],
    [input({ direction: "outbound", proto: "tcp", peer: { kind: "host", host: "db-1" } }), "outbound tcp/any to host db-1 (applies to all hosts)"],
    [input({ direction: "inbound", proto: "any", port: "443", peer: { kind: "groups", groups: ["web", "prod"] } }), "inbound any/443 from groups web + prod (applies to all hosts)"],
    [input({ direction: "inbound", proto: "tcp", port: "fragment" }), "inbound tcp fragments from any host (applies to all hosts)"],
  ])("describes rule %#", (rule, text) => {
    expect(describeRule({ ...rule, id: "r", position: 0 })).toBe(text);
  });
});
