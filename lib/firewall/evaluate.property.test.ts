import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate, ruleMatches, rulesApplyingTo, type DirectionVerdict, type HostIdentity, type Query } from "./evaluate";
import type { HostState } from "./host-state";
import { ruleInputSchema, type Direction, type FirewallRule, type PeerSelector, type Protocol, type RuleInput } from "./rule-schema";

/*
 * A reference reading of Nebula's firewall, written independently of evaluate.ts and shaped like
 * Nebula's own code: each host compiles its rules into a table of protocol -> entries of
 * (portFrom, portTo, compiled selector), with `any` stored as port 0 and `fragment` as port -1, and
 * a packet is looked up in the `any` protocol table and then its own protocol's table.
 */

const PORT_ANY = 0;
const PORT_FRAGMENT = -1;

interface RefSelector {
  any: boolean;
  groupSets: string[][];
  hosts: string[];
  cidrs: { network: number; prefix: number }[];
}

interface RefEntry {
  from: number;
  to: number;
  selector: RefSelector;
}

type RefTable = Record<Protocol, RefEntry[]>;

function refPortRange(port: string): [number, number] {
  if (port === "any") return [PORT_ANY, PORT_ANY];
  if (port === "fragment") return [PORT_FRAGMENT, PORT_FRAGMENT];
  const [from, to = from] = port.split("-").map(Number);
  if (from === undefined || to === undefined) throw new Error(`unparseable port ${port}`);
  return [from, to];
}

function refAddress(dotted: string): number {
  return dotted.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

function refCompileSelector(peer: PeerSelector): RefSelector {
  const groups = peer.kind === "group" ? [peer.group] : peer.kind === "groups" ? peer.groups : [];
  const host = peer.kind === "host" ? peer.host : "";
  const cidr = peer.kind === "cidr" ? peer.cidr.split("/") : undefined;
  const cidrs = cidr ? [{ network: refAddress(cidr[0] ?? ""), prefix: Number(cidr[1]) }] : [];
  // Nebula's isAny(): nothing given, a group named any, the host any, or a /0 CIDR.
  const any = (groups.length === 0 && host === "" && cidrs.length === 0) || groups.includes("any") || host === "any" || cidrs.some((c) => c.prefix === 0);
  return { any, groupSets: groups.length > 0 ? [groups] : [], hosts: host ? [host] : [], cidrs };
}

function refSelectorMatches(selector: RefSelector, peer: HostIdentity): boolean {
  if (selector.any) return true;
  if (selector.groupSets.some((set) => set.every((group) => peer.groups.includes(group)))) return true;
  if (selector.hosts.includes(peer.name)) return true;
  const address = refAddress(peer.ip);
  return selector.cidrs.some(({ network, prefix }) => Math.floor(address / 2 ** (32 - prefix)) === Math.floor(network / 2 ** (32 - prefix)));
}

function refBuildTable(rules: FirewallRule[], self: HostIdentity, direction: Direction): RefTable {
  const table: RefTable = { any: [], tcp: [], udp: [], icmp: [] };
  for (const rule of rules) {
    if (rule.direction !== direction) continue;
    if (rule.appliesTo.kind === "group" && !self.groups.includes(rule.appliesTo.group)) continue;
    const [from, to] = refPortRange(rule.port);
    table[rule.proto].push({ from, to, selector: refCompileSelector(rule.peer) });
  }
  return table;
}

function refTableAllows(table: RefTable, peer: HostIdentity, query: Query): boolean {
  // Nebula parses no ports out of ICMP, so the packet carries port 0, the `any` slot.
  const packetPort = query.proto === "icmp" ? 0 : query.port;
  const entryAdmits = (entry: RefEntry) =>
    (entry.from === PORT_ANY || (entry.from <= packetPort && packetPort <= entry.to)) && refSelectorMatches(entry.selector, peer);
  return table.any.some(entryAdmits) || table[query.proto].some(entryAdmits);
}

function refAllowed(rules: FirewallRule[], src: HostIdentity, dst: HostIdentity, query: Query) {
  const outbound = refTableAllows(refBuildTable(rules, src, "outbound"), dst, query);
  const inbound = refTableAllows(refBuildTable(rules, dst, "inbound"), src, query);
  return { outbound, inbound, both: outbound && inbound };
}

/* Generators: small pools so rules and hosts collide often. "any" is in the name pools on purpose. */

const groupPool = ["web", "db", "app", "ops", "any"];
const hostPool = ["web-1", "db-1", "app-1", "any"];
const cidrPool = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "192.168.0.0/16", "0.0.0.0/0", "0.0.0.0/8"];
const ipPool = ["10.1.2.3", "10.1.2.4", "10.1.3.7", "10.2.0.1", "192.168.1.1", "172.16.0.1", "0.0.0.1"];
const portPool = ["any", "fragment", "22", "443", "440-450", "1-1024", "8000-8100", "1-65535", "65535"];
const queryPortPool = [1, 22, 439, 440, 443, 450, 451, 1024, 1025, 7999, 8000, 8100, 8101, 65535];

const groupArb = fc.constantFrom(...groupPool);

const peerArb: fc.Arbitrary<PeerSelector> = fc.oneof(
  fc.constant<PeerSelector>({ kind: "any" }),
  groupArb.map((group): PeerSelector => ({ kind: "group", group })),
  fc.uniqueArray(groupArb, { minLength: 2, maxLength: 3 }).map((groups): PeerSelector => ({ kind: "groups", groups })),
  fc.constantFrom(...cidrPool).map((cidr): PeerSelector => ({ kind: "cidr", cidr })),
  fc.constantFrom(...hostPool).map((host): PeerSelector => ({ kind: "host", host })),
);

const ruleInputArb: fc.Arbitrary<RuleInput> = fc
  .record({
    direction: fc.constantFrom<Direction>("inbound", "outbound"),
    proto: fc.constantFrom<Protocol>("any", "tcp", "udp", "icmp"),
    port: fc.constantFrom(...portPool),
    peer: peerArb,
    appliesTo: fc.oneof(fc.constant<RuleInput["appliesTo"]>({ kind: "all" }), groupArb.map((group): RuleInput["appliesTo"] => ({ kind: "group", group }))),
  })
  // The schema only accepts port any for ICMP rules.
  .map((rule) => ({ ...rule, port: rule.proto === "icmp" ? "any" : rule.port, description: "" }));

/** Rules with distinct positions in an order unrelated to the array order. */
const rulesArb: fc.Arbitrary<FirewallRule[]> = fc.array(ruleInputArb, { maxLength: 8 }).chain((inputs) => {
  const indexes = inputs.map((_, i) => i);
  return fc
    .shuffledSubarray(indexes, { minLength: inputs.length, maxLength: inputs.length })
    .map((order) => inputs.map((input, i) => ({ ...input, id: `r${i}`, position: (order[i] ?? i) * 10 })));
});

const allowAllOutbound: FirewallRule = { id: "all-out", position: -1, direction: "outbound", proto: "any", port: "any", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "" };

/** Half the time the usual allow-all outbound rule is present, so the inbound side is exercised. */
const ruleSetArb = fc.tuple(rulesArb, fc.boolean()).map(([rules, withOutbound]) => (withOutbound ? [allowAllOutbound, ...rules] : rules));

const hostArb: fc.Arbitrary<HostIdentity> = fc.record({
  name: fc.constantFrom(...hostPool, "ops-1"),
  ip: fc.constantFrom(...ipPool),
  groups: fc.uniqueArray(groupArb, { maxLength: 3 }),
});

const stateArb: fc.Arbitrary<HostState> = fc.record({
  status: fc.constantFrom<HostState["status"]>("pending", "active", "blocked"),
  certificate: fc.constantFrom<HostState["certificate"]>("current", "expired", "none"),
  awaitingApproval: fc.boolean(),
});
const participates = (state: HostState) => state.status === "active" && state.certificate === "current";

const portArb = fc.oneof(fc.constantFrom(...queryPortPool), fc.integer({ min: 1, max: 65535 }));

/** ICMP queries sometimes carry a stray port, which must be ignored. */
const queryArb: fc.Arbitrary<Query> = fc.oneof(
  fc.record({ proto: fc.constantFrom<"tcp" | "udp">("tcp", "udp"), port: portArb }),
  fc.record({ proto: fc.constant<"icmp">("icmp"), port: fc.oneof(fc.constant(0), portArb) }),
);

const RUNS = { numRuns: 300 };

function verdictIsFirstMatch(verdict: DirectionVerdict, rules: FirewallRule[], self: HostIdentity, peer: HostIdentity, direction: Direction, query: Query): boolean {
  if (!verdict.allowed) return true;
  const rule = rules.find((candidate) => candidate.id === verdict.ruleId);
  const firstMatch = rulesApplyingTo(rules, self, direction).find((candidate) => ruleMatches(candidate, peer, query));
  return rule !== undefined && rule === verdict.rule && ruleMatches(rule, peer, query) && firstMatch === rule;
}

describe("evaluate, property-based", () => {
  it("the schema accepts every generated rule, except those naming the reserved wildcard \"any\"", () => {
    // The evaluator still honours Nebula's "any" names (old data, hand-written configs), but new rules may not use them.
    const namesAny = (rule: RuleInput) =>
      (rule.peer.kind === "group" && rule.peer.group === "any") ||
      (rule.peer.kind === "groups" && rule.peer.groups.includes("any")) ||
      (rule.peer.kind === "host" && rule.peer.host === "any") ||
      (rule.appliesTo.kind === "group" && rule.appliesTo.group === "any");
    fc.assert(
      fc.property(ruleInputArb, (rule) => ruleInputSchema.safeParse(rule).success === !namesAny(rule)),
      RUNS,
    );
  });

  it("agrees with the reference reading of Nebula, side by side", () => {
    fc.assert(
      fc.property(ruleSetArb, hostArb, hostArb, queryArb, (rules, src, dst, query) => {
        const actual = evaluate(rules, src, dst, query);
        const expected = refAllowed(rules, src, dst, query);
        expect({ outbound: actual.outbound.allowed, inbound: actual.inbound.allowed, both: actual.allowed }).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it("never turns allowed into denied when a rule is added", () => {
    fc.assert(
      fc.property(ruleSetArb, ruleInputArb, fc.integer({ min: -10, max: 100 }), hostArb, hostArb, queryArb, (rules, extra, position, src, dst, query) => {
        const before = evaluate(rules, src, dst, query).allowed;
        const after = evaluate([...rules, { ...extra, id: "extra", position }], src, dst, query).allowed;
        return !before || after;
      }),
      RUNS,
    );
  });

  it("denies everything, on both sides, without rules", () => {
    fc.assert(
      fc.property(hostArb, hostArb, queryArb, (src, dst, query) => {
        const result = evaluate([], src, dst, query);
        return !result.allowed && !result.outbound.allowed && !result.inbound.allowed;
      }),
      RUNS,
    );
  });

  it("names, in each verdict, the first rule by position that matches", () => {
    fc.assert(
      fc.property(ruleSetArb, hostArb, hostArb, queryArb, (rules, src, dst, query) => {
        const result = evaluate(rules, src, dst, query);
        return verdictIsFirstMatch(result.outbound, rules, src, dst, "outbound", query) && verdictIsFirstMatch(result.inbound, rules, dst, src, "inbound", query);
      }),
      RUNS,
    );
  });

  it("does not depend on rule order for the yes/no answer", () => {
    fc.assert(
      fc.property(ruleSetArb, hostArb, hostArb, queryArb, (rules, src, dst, query) => {
        const reversed = rules.map((rule) => ({ ...rule, position: -rule.position }));
        return evaluate(rules, src, dst, query).allowed === evaluate(reversed, src, dst, query).allowed;
      }),
      RUNS,
    );
  });

  it("refuses, whatever the rules, when either end does not take part in the overlay", () => {
    fc.assert(
      fc.property(ruleSetArb, hostArb, hostArb, stateArb, stateArb, queryArb, (rules, src, dst, srcState, dstState, query) => {
        fc.pre(!participates(srcState) || !participates(dstState));
        const result = evaluate([allowAllOutbound, { ...allowAllOutbound, id: "all-in", direction: "inbound" }, ...rules], { ...src, state: srcState }, { ...dst, state: dstState }, query);
        return !result.allowed && !result.outbound.allowed && !result.inbound.allowed && result.blockedBy === "node-state";
      }),
      RUNS,
    );
  });

  it("answers on the rules alone when both ends are active with a current certificate", () => {
    const active: HostState = { status: "active", certificate: "current" };
    fc.assert(
      fc.property(ruleSetArb, hostArb, hostArb, queryArb, (rules, src, dst, query) => {
        expect(evaluate(rules, { ...src, state: active }, { ...dst, state: active }, query)).toEqual(evaluate(rules, src, dst, query));
      }),
      RUNS,
    );
  });
});
