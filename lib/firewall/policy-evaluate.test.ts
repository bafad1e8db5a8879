import { describe, expect, it } from "vitest";
import { evaluateAssertion, policyBreaks, type PolicyHost, type PolicyWorld } from "./policy-evaluate";
import { assertionInputSchema, describeAssertion, type AssertionInput, type PolicyAssertion } from "./policy-schema";
import { defaultRules, type FirewallRule, type RuleInput } from "./rule-schema";

function stored(inputs: RuleInput[]): FirewallRule[] {
  return inputs.map((input, i) => ({ ...input, id: `r${i + 1}`, position: i }));
}

function rule(fields: Partial<RuleInput> & Pick<RuleInput, "direction">): RuleInput {
  return { port: "any", proto: "any", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "", ...fields };
}

function assertion(fields: Partial<AssertionInput> & Pick<AssertionInput, "from" | "to" | "expect">, id = "a1"): PolicyAssertion {
  return { id, proto: "tcp", port: "any", description: "", ...fields };
}

const web = { kind: "group", group: "web" } as const;
const db = { kind: "group", group: "db" } as const;
const guest = { kind: "group", group: "guest" } as const;
const webToDb5432 = rule({ direction: "inbound", proto: "tcp", port: "5432", peer: web, appliesTo: { kind: "group", group: "db" }, description: "postgres from web" });

function host(name: string, groups: string[], ip = "10.0.0.1"): PolicyHost {
  return { id: `id-${name}`, name, ip, groups };
}

describe("evaluateAssertion", () => {
  const dbAllowed = assertion({ from: web, to: db, proto: "tcp", port: "5432", expect: "allowed" });

  it("fails an allowed assertion no rule allows, even before any host exists, and says so", () => {
    const verdict = evaluateAssertion(dbAllowed, { rules: stored(defaultRules), hosts: [] });
    expect(verdict.passed).toBe(false);
    expect(verdict.rules).toEqual([]);
    expect(verdict.flow).toEqual({ from: "(web host)", to: "(db host)", traffic: "tcp/5432" });
    expect(verdict.detail).toContain("no inbound rule on (db host) allows tcp/5432 from (web host)");
    expect(verdict.detail).toContain("no rule allows it");
  });

  it("passes it once a rule allows it, naming both deciding rules", () => {
    const rules = stored([...defaultRules, webToDb5432]);
    const verdict = evaluateAssertion(dbAllowed, { rules, hosts: [host("web-1", ["web"], "10.0.0.2"), host("db-1", ["db"], "10.0.0.3")] });
    expect(verdict.passed).toBe(true);
    expect(verdict.rules.map((r) => r.id)).toEqual(["r1", "r3"]);
    expect(verdict.detail).toContain("4 host pairs checked");
  });

  it("fails a denied assertion through the default ping rule when it covers every protocol", () => {
    const verdict = evaluateAssertion(assertion({ from: guest, to: db, proto: "any", expect: "denied" }), { rules: stored(defaultRules), hosts: [] });
    expect(verdict.passed).toBe(false);
    expect(verdict.flow?.traffic).toBe("icmp");
    expect(verdict.rules.map((r) => r.id)).toEqual(["r1", "r2"]);
    expect(verdict.detail).toContain('allowed by "outbound any to any host (applies to all hosts)" and "inbound icmp from any host (applies to all hosts)"');
  });

  it("checks real hosts too: a guest that is also in admin breaks guest → db denied", () => {
    const rules = stored([...defaultRules, rule({ direction: "inbound", proto: "tcp", port: "22", peer: { kind: "group", group: "admin" }, appliesTo: { kind: "group", group: "db" } })]);
    const denied = assertion({ from: guest, to: db, proto: "tcp", port: "22", expect: "denied" });
    expect(evaluateAssertion(denied, { rules, hosts: [host("guest-1", ["guest"]), host("db-1", ["db"], "10.0.0.9")] }).passed).toBe(true);
    const verdict = evaluateAssertion(denied, { rules, hosts: [host("guest-1", ["admin", "guest"]), host("db-1", ["db"], "10.0.0.9")] });
    expect(verdict.passed).toBe(false);
    expect(verdict.flow).toEqual({ from: "guest-1", to: "(db host)", traffic: "tcp/22" });
    expect(verdict.rules.map((r) => r.id)).toEqual(["r1", "r3"]);
  });

  it("checks real hosts for allowed too: a host rule admits only the host it names", () => {
    const rules = stored([...defaultRules, rule({ direction: "inbound", proto: "tcp", port: "5432", peer: { kind: "host", host: "web-1" }, appliesTo: { kind: "group", group: "db" } })]);
    const hostAllowed = assertion({ from: { kind: "host", host: "web-1" }, to: db, proto: "tcp", port: "5432", expect: "allowed" });
    const hosts = [host("web-1", ["web"]), host("web-2", ["web"], "10.0.0.2"), host("db-1", ["db"], "10.0.0.3")];
    expect(evaluateAssertion(hostAllowed, { rules, hosts })).toMatchObject({ passed: true });
    // The group assertion fails: web-2 and the hypothetical web host are not web-1.
    expect(evaluateAssertion({ ...hostAllowed, from: web }, { rules, hosts })).toMatchObject({ passed: false, flow: { from: "(web host)", to: "(db host)" } });
  });

  it("reads a /0 CIDR as any peer, also for hosts without an address", () => {
    const rules = stored([...defaultRules, rule({ direction: "inbound", proto: "tcp", port: "5432", peer: { kind: "cidr", cidr: "0.0.0.0/0" } })]);
    expect(evaluateAssertion(dbAllowed, { rules, hosts: [host("web-1", ["web"], "")] }).passed).toBe(true);
  });

  it("names the first closed port segment when every port should be open", () => {
    const rules = stored([...defaultRules, rule({ direction: "inbound", proto: "tcp", port: "443" })]);
    const verdict = evaluateAssertion(assertion({ from: web, to: db, proto: "tcp", port: "any", expect: "allowed" }), { rules, hosts: [] });
    expect(verdict).toMatchObject({ passed: false, flow: { traffic: "tcp/1-442" } });
    const open = stored([...defaultRules, rule({ direction: "inbound", proto: "tcp" })]);
    expect(evaluateAssertion(assertion({ from: web, to: db, proto: "tcp", port: "any", expect: "allowed" }), { rules: open, hosts: [] }).passed).toBe(true);
  });

  it("never pairs a host with itself, but pairs two hosts of one class", () => {
    const rules = stored(defaultRules);
    const webToWeb = assertion({ from: { kind: "host", host: "web-1" }, to: { kind: "host", host: "web-1" }, proto: "tcp", port: "80", expect: "allowed" });
    expect(evaluateAssertion(webToWeb, { rules, hosts: [host("web-1", ["web"])] })).toMatchObject({ passed: true, flow: null });
    // Only real hosts in both web and x get through, so the first breaking flow is between two of them.
    const onlyWebAndX = stored([...defaultRules, rule({ direction: "inbound", proto: "tcp", port: "80", peer: { kind: "groups", groups: ["web", "x"] }, appliesTo: { kind: "group", group: "x" } })]);
    const groupToItself = evaluateAssertion(assertion({ from: web, to: web, proto: "tcp", port: "80", expect: "denied" }), { rules: onlyWebAndX, hosts: [host("web-1", ["web", "x"]), host("web-2", ["web", "x"], "10.0.0.2")] });
    expect(groupToItself).toMatchObject({ passed: false, flow: { from: "web-1", to: "web-2" } });
  });
});

describe("policyBreaks", () => {
  const hosts = [host("web-1", ["web"]), host("db-1", ["db"], "10.0.0.3")];
  const allowed = assertion({ from: web, to: db, proto: "tcp", port: "5432", expect: "allowed" }, "allowed");
  const denied = assertion({ from: guest, to: db, proto: "tcp", port: "any", expect: "denied" }, "denied");

  it("names the rule whose removal broke an allowed assertion", () => {
    const before: PolicyWorld = { rules: stored([...defaultRules, webToDb5432]), hosts };
    const after: PolicyWorld = { rules: before.rules.filter((r) => r.id !== "r3"), hosts };
    const { breaks } = policyBreaks([allowed, denied], before, after);
    expect(breaks.map((b) => b.assertion.id)).toEqual(["allowed"]);
    expect(breaks[0]!.cause).toBe('Before this change it was allowed by "outbound any to any host (applies to all hosts)" and "inbound tcp/5432 from group web (applies to group db)".');
    expect(breaks[0]!.message).toContain(`"${describeAssertion(allowed)}" would fail`);
  });

  it("names the rule that lets a denied flow through", () => {
    const before: PolicyWorld = { rules: stored(defaultRules), hosts };
    const after: PolicyWorld = { rules: stored([...defaultRules, rule({ direction: "inbound", proto: "tcp", port: "22" })]), hosts };
    const { breaks } = policyBreaks([denied], before, after);
    expect(breaks).toHaveLength(1);
    expect(breaks[0]!.cause).toContain('"inbound tcp/22 from any host (applies to all hosts)"');
  });

  it("does not count an assertion that already failed", () => {
    const world: PolicyWorld = { rules: stored(defaultRules), hosts };
    const { breaks, verdicts } = policyBreaks([allowed], world, { ...world, rules: world.rules.slice(0, 1) });
    expect(breaks).toEqual([]);
    expect(verdicts[0]!.passed).toBe(false);
  });
});

describe("assertionInputSchema", () => {
  it("takes one port or any, and refuses a port on icmp", () => {
    expect(assertionInputSchema.safeParse({ from: web, to: db, proto: "tcp", port: "5432", expect: "allowed" }).success).toBe(true);
    expect(assertionInputSchema.safeParse({ from: web, to: db, proto: "tcp", port: "8000-8100", expect: "allowed" }).success).toBe(false);
    expect(assertionInputSchema.safeParse({ from: web, to: db, proto: "icmp", port: "1", expect: "denied" }).success).toBe(false);
    expect(assertionInputSchema.safeParse({ from: { kind: "cidr", cidr: "10.0.0.0/8" }, to: db, proto: "tcp", expect: "denied" }).success).toBe(false);
  });
});
