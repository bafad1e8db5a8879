import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate, type HostIdentity } from "./evaluate";
import { evaluateAssertion, type PolicyHost } from "./policy-evaluate";
import type { PolicyAssertion, PolicySelector } from "./policy-schema";
import type { FirewallRule, PeerSelector, RuleInput } from "./rule-schema";

/*
 * evaluateAssertion folds hosts into classes and splits port ranges into segments. Here the same
 * question is answered the slow way, one host at a time and one port at a time, straight from
 * `evaluate`, and the two must agree.
 */

const groupNames = ["a", "b", "c"];
const hostNames = ["h0", "h1", "h2", "h3", "h4"];

const groupsArb = fc.subarray(groupNames);
const peerArb: fc.Arbitrary<PeerSelector> = fc.oneof(
  fc.constant({ kind: "any" as const }),
  fc.constantFrom(...groupNames).map((group) => ({ kind: "group" as const, group })),
  fc.constant<PeerSelector>({ kind: "groups", groups: ["a", "b"] }),
  fc.constantFrom("10.0.0.0/30", "10.0.0.4/31", "0.0.0.0/0").map((cidr) => ({ kind: "cidr" as const, cidr })),
  fc.constantFrom(...hostNames).map((host) => ({ kind: "host" as const, host })),
);
const ruleArb: fc.Arbitrary<RuleInput> = fc.record({
  direction: fc.constantFrom("inbound" as const, "outbound" as const),
  proto: fc.constantFrom("any" as const, "tcp" as const, "udp" as const, "icmp" as const),
  port: fc.constantFrom("any", "22", "80", "20-90"),
  peer: peerArb,
  appliesTo: fc.oneof(fc.constant({ kind: "all" as const }), fc.constantFrom(...groupNames).map((group) => ({ kind: "group" as const, group }))),
  description: fc.constant(""),
}).map((rule) => (rule.proto === "icmp" ? { ...rule, port: "any" } : rule));
const rulesArb = fc.array(ruleArb, { maxLength: 8 }).map((inputs): FirewallRule[] => inputs.map((input, i) => ({ ...input, id: `r${i}`, position: i })));
const hostsArb = fc.uniqueArray(fc.record({ name: fc.constantFrom(...hostNames), groups: groupsArb, octet: fc.integer({ min: 0, max: 7 }) }), { selector: (h) => h.name, maxLength: 5 }).map((hosts): PolicyHost[] =>
  hosts.map((h) => ({ id: h.name, name: h.name, ip: `10.0.0.${h.octet}`, groups: h.groups })),
);
const selectorArb: fc.Arbitrary<PolicySelector> = fc.oneof(
  fc.constant({ kind: "any" as const }),
  fc.constantFrom(...groupNames).map((group) => ({ kind: "group" as const, group })),
  fc.constantFrom(...hostNames).map((host) => ({ kind: "host" as const, host })),
);
const assertionArb: fc.Arbitrary<PolicyAssertion> = fc
  .record({
    from: selectorArb,
    to: selectorArb,
    proto: fc.constantFrom("any" as const, "tcp" as const, "udp" as const, "icmp" as const),
    port: fc.constantFrom("any", "22", "80", "91"),
    expect: fc.constantFrom("allowed" as const, "denied" as const),
  })
  .map((a) => ({ ...a, id: "x", description: "", port: a.proto === "icmp" ? "any" : a.port }));

/** Every sender or receiver one by one: the hypothetical host first, then each node, no classes. */
function endpoints(selector: PolicySelector, hosts: PolicyHost[]): Array<{ id: string | null; identity: HostIdentity }> {
  const imagined = selector.kind === "group" ? [{ id: null, identity: { name: "(g)", ip: "", groups: [selector.group] } }] : selector.kind === "any" ? [{ id: null, identity: { name: "(none)", ip: "", groups: [] } }] : [];
  const real = hosts
    .filter((h) => selector.kind === "any" || (selector.kind === "group" ? h.groups.includes(selector.group) : h.name === selector.host))
    .map((h) => ({ id: h.id, identity: { name: h.name, ip: h.ip ?? "", groups: h.groups } }));
  return [...imagined, ...real];
}

/** Every port one by one (only the ports the rules and assertions can tell apart need trying, but all of 1-100 are). */
function queries(a: PolicyAssertion) {
  const ports = a.port === "any" ? [...Array.from({ length: 100 }, (_, i) => i + 1), 65535] : [Number(a.port)];
  const ported = (proto: "tcp" | "udp") => ports.map((port) => ({ proto, port }));
  if (a.proto === "icmp") return [{ proto: "icmp" as const, port: 0 }];
  if (a.proto !== "any") return ported(a.proto);
  return [...ported("tcp"), ...ported("udp"), ...(a.port === "any" ? [{ proto: "icmp" as const, port: 0 }] : [])];
}

/** The hypothetical hosts have no address: a /0 CIDR still matches them, as Nebula reads it as any. */
function anyForSlash0(rules: FirewallRule[]): FirewallRule[] {
  return rules.map((r) => (r.peer.kind === "cidr" && r.peer.cidr.endsWith("/0") ? { ...r, peer: { kind: "any" } } : r));
}

function slowVerdict(a: PolicyAssertion, rules: FirewallRule[], hosts: PolicyHost[]): boolean {
  const effective = anyForSlash0(rules);
  const results: boolean[] = [];
  for (const src of endpoints(a.from, hosts)) {
    for (const dst of endpoints(a.to, hosts)) {
      if (src.id !== null && src.id === dst.id) continue;
      for (const query of queries(a)) results.push(evaluate(effective, src.identity, dst.identity, query).allowed);
    }
  }
  return a.expect === "allowed" ? results.every(Boolean) : !results.some(Boolean);
}

describe("evaluateAssertion, property-based", () => {
  it("agrees with checking every host pair and every port one by one", () => {
    fc.assert(
      fc.property(assertionArb, rulesArb, hostsArb, (a, rules, hosts) => {
        expect(evaluateAssertion(a, { rules, hosts }).passed).toBe(slowVerdict(a, rules, hosts));
      }),
      { numRuns: 400 },
    );
  });

  it("names deciding rules exactly when a flow got through", () => {
    fc.assert(
      fc.property(assertionArb, rulesArb, hostsArb, (a, rules, hosts) => {
        const verdict = evaluateAssertion(a, { rules, hosts });
        const flowAllowed = (a.expect === "allowed" && verdict.passed && verdict.flow !== null) || (a.expect === "denied" && !verdict.passed);
        expect(verdict.rules.length === 2).toBe(flowAllowed);
      }),
      { numRuns: 300 },
    );
  });
});
