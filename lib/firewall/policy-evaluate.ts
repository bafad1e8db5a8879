/**
 * Policy tests: does every assertion still hold under these rules and these hosts? Pure: no Next,
 * no Prisma. Every verdict comes from `evaluate`, the same reading of Nebula's firewall that the
 * reachability check and the matrix use (and that the lab checks against real daemons).
 *
 * What an assertion means, precisely. Each end selects a set of hosts:
 * - `group g`: a hypothetical host holding exactly `g` (no name, no known address), plus every
 *   current node that holds `g`, whatever other groups it also holds;
 * - `any`: a hypothetical host holding no group, plus every current node;
 * - `host h`: that one node.
 * "allowed" holds when every pair (sender from `from`, receiver from `to`, never a host with
 * itself) gets through on every port and protocol the assertion names; "denied" holds when no such
 * pair gets through on any of them. Both ends of that choice matter:
 * - The hypothetical host keeps both verdicts meaningful before any node exists (an empty group
 *   would otherwise make "allowed" true vacuously), and states the group's intent: a host that is
 *   only in `web` can reach `db`.
 * - The real nodes make the test as strong as the traffic: a `db` node that is also in `admin`, or
 *   a rule naming one host or a CIDR, can open (or fail to open) a path no single-group host shows.
 *   "denied" is only worth something if it covers the hosts that exist, so it covers them all.
 * - Node state (pending, blocked, expired) is left out: assertions are about the rules, and a
 *   blocked node must not make "denied" pass while the rule that would let it in once it is
 *   unblocked stays in place.
 * - "any" (proto or port) means every TCP and UDP port plus ICMP, as in the matrix; a port given
 *   with proto any means that port on TCP and UDP (ICMP has no ports).
 *
 * Cost: real nodes are folded into classes that every rule sees alike (same groups, same answer to
 * every host and CIDR selector), so the work grows with the number of distinct classes, not with
 * the square of the fleet.
 */
import { evaluate, peerMatches, describeRule, type HostIdentity, type Query, type Reachability } from "./evaluate";
import { portSegments } from "./matrix";
import type { FirewallRule } from "./rule-schema";
import { describeAssertion, type PolicyAssertion, type PolicySelector } from "./policy-schema";

/** A node as its certificate presents it to peers' firewalls. `ip` is null before it has an address. */
export interface PolicyHost {
  id: string;
  name: string;
  ip: string | null;
  /** A dual-stack network's host: its IPv6 address too (its certificate carries both). */
  ip6?: string | null;
  groups: string[];
}

export interface PolicyWorld {
  rules: FirewallRule[];
  hosts: PolicyHost[];
}

export interface DecidingRule {
  id: string;
  /** describeRule's line, e.g. "inbound tcp/5432 from group web (applies to group db)". */
  text: string;
}

export interface AssertionVerdict {
  assertionId: string;
  /** describeAssertion's line. */
  assertion: string;
  passed: boolean;
  /**
   * The flow that decided: the one that breaks the assertion when it fails; when an "allowed"
   * passes, the first flow checked. Null for a passing "denied" (no flow got through).
   */
  flow: { from: string; to: string; traffic: string } | null;
  /** The outbound and inbound rules that let `flow` through; empty when no rule allows it. */
  rules: DecidingRule[];
  /** One sentence for people: why it passes or fails, naming hosts and rules. */
  detail: string;
}

export interface PolicyBreak {
  assertion: PolicyAssertion;
  verdict: AssertionVerdict;
  /** Which rule is to blame: what lets a denied flow through, or what used to allow an allowed one. */
  cause: string;
  /** The whole refusal line for this assertion. */
  message: string;
}

interface Probe {
  query: Query;
  traffic: string;
}

interface Endpoint {
  identity: HostIdentity;
  /** The real nodes this endpoint stands for; empty for the hypothetical host. */
  hosts: PolicyHost[];
}

interface Witness {
  src: HostIdentity;
  dst: HostIdentity;
  probe: Probe;
  result: Reachability;
}

interface Detailed {
  verdict: AssertionVerdict;
  witness: Witness | null;
}

/**
 * Nebula reads a /0 CIDR as "any peer". The hypothetical hosts have no address, so the CIDR test
 * cannot say that for them: rewriting the selector first keeps their answer right. Ids stay, so
 * verdicts still name the stored rule.
 */
function normalizeRules(rules: FirewallRule[]): FirewallRule[] {
  return rules.map((rule) => (rule.peer.kind === "cidr" && rule.peer.cidr.endsWith("/0") ? { ...rule, peer: { kind: "any" } } : rule));
}

function identityOf(host: PolicyHost): HostIdentity {
  // No `state`: see the header, assertions judge the rules.
  return { name: host.name, ip: host.ip ?? "", ...(host.ip && host.ip6 ? { ips: [host.ip, host.ip6] } : {}), groups: host.groups };
}

/** Names in parentheses are never valid host names, so no host selector can match a hypothetical host. */
function hypothetical(selector: PolicySelector): Endpoint | null {
  if (selector.kind === "group") return { identity: { name: `(${selector.group} host)`, ip: "", groups: [selector.group] }, hosts: [] };
  if (selector.kind === "any") return { identity: { name: "(host in no group)", ip: "", groups: [] }, hosts: [] };
  return null;
}

function selects(selector: PolicySelector, host: PolicyHost): boolean {
  return selector.kind === "any" || (selector.kind === "group" ? host.groups.includes(selector.group) : host.name === selector.host);
}

/**
 * Hosts every rule treats alike share a class: same groups, same answer to every host and CIDR
 * selector, and to every routed-subnet limit (local_cidr is matched against the host's own address).
 */
function classKey(host: HostIdentity, identityRules: FirewallRule[]): string {
  const groups = [...host.groups].sort().join(",");
  const bits = identityRules
    .map((rule) => {
      const peer = rule.peer.kind === "host" || rule.peer.kind === "cidr" ? peerMatches(rule.peer, host) : false;
      const local = rule.localCidr ? peerMatches({ kind: "cidr", cidr: rule.localCidr }, host) : false;
      return `${peer ? 1 : 0}${local ? 1 : 0}`;
    })
    .join("");
  return `${groups}|${bits}`;
}

function endpointsOf(selector: PolicySelector, hosts: PolicyHost[], identityRules: FirewallRule[]): Endpoint[] {
  const classes = new Map<string, Endpoint>();
  for (const host of hosts) {
    if (!selects(selector, host)) continue;
    const identity = identityOf(host);
    const key = classKey(identity, identityRules);
    const existing = classes.get(key);
    if (existing) existing.hosts.push(host);
    else classes.set(key, { identity, hosts: [host] });
  }
  const imagined = hypothetical(selector);
  return [...(imagined ? [imagined] : []), ...classes.values()];
}

/**
 * A sender and a receiver standing for two different hosts. When both ends are the same single
 * node there is no such pair (a host's traffic to itself never meets its firewall). When both
 * classes start with the same node, another node of one of them is named, so the flow shown is real.
 */
function pairOf(src: Endpoint, dst: Endpoint): [HostIdentity, HostIdentity] | null {
  const [firstSrc] = src.hosts;
  const [firstDst] = dst.hosts;
  if (!firstSrc || !firstDst || firstSrc.id !== firstDst.id) return [src.identity, dst.identity];
  const otherDst = dst.hosts.find((host) => host.id !== firstSrc.id);
  if (otherDst) return [src.identity, identityOf(otherDst)];
  const otherSrc = src.hosts.find((host) => host.id !== firstDst.id);
  return otherSrc ? [identityOf(otherSrc), dst.identity] : null;
}

function segmentLabel(proto: "tcp" | "udp", from: number, to: number): string {
  if (from === 1 && to === 65535) return `${proto}/any`;
  return from === to ? `${proto}/${from}` : `${proto}/${from}-${to}`;
}

/** The first packets to try. Port ranges are split where the rules split them, so one port answers for its segment. */
function probesOf(assertion: PolicyAssertion, rules: FirewallRule[]): Probe[] {
  const ported = (proto: "tcp" | "udp"): Probe[] =>
    assertion.port === "any"
      ? portSegments(rules, proto).map((segment) => ({ query: { proto, port: segment.from }, traffic: segmentLabel(proto, segment.from, segment.to) }))
      : [{ query: { proto, port: Number(assertion.port) }, traffic: `${proto}/${assertion.port}` }];
  const icmp: Probe = { query: { proto: "icmp", port: 0 }, traffic: "icmp" };
  switch (assertion.proto) {
    case "tcp":
    case "udp":
      return ported(assertion.proto);
    case "icmp":
      return [icmp];
    case "any":
      return [...ported("tcp"), ...ported("udp"), ...(assertion.port === "any" ? [icmp] : [])];
  }
}

function decidingRules(result: Reachability, byId: Map<string, FirewallRule>): DecidingRule[] {
  return [result.outbound, result.inbound].flatMap((verdict) => {
    if (!verdict.allowed) return [];
    const rule = byId.get(verdict.ruleId) ?? verdict.rule;
    return [{ id: rule.id, text: describeRule(rule) }];
  });
}

function allowedByText(rules: DecidingRule[]): string {
  return rules.map((rule) => `"${rule.text}"`).join(" and ");
}

function evaluateDetailed(assertion: PolicyAssertion, world: PolicyWorld): Detailed {
  const rules = normalizeRules(world.rules);
  const byId = new Map(world.rules.map((rule) => [rule.id, rule]));
  const identityRules = rules.filter((rule) => rule.peer.kind === "host" || rule.peer.kind === "cidr" || Boolean(rule.localCidr));
  const senders = endpointsOf(assertion.from, world.hosts, identityRules);
  const receivers = endpointsOf(assertion.to, world.hosts, identityRules);
  const probes = probesOf(assertion, rules);
  const base = { assertionId: assertion.id, assertion: describeAssertion(assertion) };
  const wantAllowed = assertion.expect === "allowed";
  let first: Witness | null = null;
  let pairs = 0;
  for (const sender of senders) {
    for (const receiver of receivers) {
      const pair = pairOf(sender, receiver);
      if (!pair) continue;
      pairs++;
      const [src, dst] = pair;
      for (const probe of probes) {
        const result = evaluate(rules, src, dst, probe.query);
        const witness = { src, dst, probe, result };
        first ??= witness;
        if (result.allowed === wantAllowed) continue;
        const flow = { from: src.name, to: dst.name, traffic: probe.traffic };
        // A failing "allowed" has no deciding rule, even when one direction alone was admitted.
        const deciding = wantAllowed ? [] : decidingRules(result, byId);
        const detail = wantAllowed
          ? `${src.name} cannot reach ${dst.name} on ${probe.traffic}: ${reasonsOf(result)}; no rule allows it.`
          : `${src.name} can reach ${dst.name} on ${probe.traffic}, allowed by ${allowedByText(deciding)}.`;
        return { verdict: { ...base, passed: false, flow, rules: deciding, detail }, witness };
      }
    }
  }
  if (!first) {
    const detail = "There is no pair of two different hosts to check.";
    return { verdict: { ...base, passed: true, flow: null, rules: [], detail }, witness: null };
  }
  const pairText = `${pairs} host pair${pairs === 1 ? "" : "s"} checked`;
  if (!wantAllowed) return { verdict: { ...base, passed: true, flow: null, rules: [], detail: `No rule lets any of it through (${pairText}).` }, witness: null };
  const deciding = decidingRules(first.result, byId);
  const flow = { from: first.src.name, to: first.dst.name, traffic: first.probe.traffic };
  const detail = `Allowed (${pairText}); for example ${first.src.name} reaches ${first.dst.name} on ${first.probe.traffic} by ${allowedByText(deciding)}.`;
  return { verdict: { ...base, passed: true, flow, rules: deciding, detail }, witness: first };
}

function reasonsOf(result: Reachability): string {
  return [result.outbound, result.inbound]
    .flatMap((verdict) => (verdict.allowed ? [] : [verdict.reason.charAt(0).toLowerCase() + verdict.reason.slice(1)]))
    .join(", and ");
}

export function evaluateAssertion(assertion: PolicyAssertion, world: PolicyWorld): AssertionVerdict {
  return evaluateDetailed(assertion, world).verdict;
}

export function evaluatePolicy(assertions: PolicyAssertion[], world: PolicyWorld): AssertionVerdict[] {
  return assertions.map((assertion) => evaluateAssertion(assertion, world));
}

/**
 * The assertions a change breaks: those that held before it and fail after it. One that already
 * failed is not counted, so a failing assertion (written first, as a test is) never blocks an
 * unrelated change. For a broken "allowed" the flow is replayed under the old rules to name the
 * rule that used to let it through, which is the rule the change removed or narrowed.
 */
export function policyBreaks(assertions: PolicyAssertion[], before: PolicyWorld, after: PolicyWorld): { breaks: PolicyBreak[]; verdicts: AssertionVerdict[] } {
  const breaks: PolicyBreak[] = [];
  const verdicts: AssertionVerdict[] = [];
  for (const assertion of assertions) {
    const now = evaluateDetailed(assertion, after);
    verdicts.push(now.verdict);
    if (now.verdict.passed || !evaluateAssertion(assertion, before).passed) continue;
    const cause = causeOf(assertion, now, before);
    breaks.push({ assertion, verdict: now.verdict, cause, message: `"${now.verdict.assertion}" would fail: ${now.verdict.detail} ${cause}` });
  }
  return { breaks, verdicts };
}

function causeOf(assertion: PolicyAssertion, now: Detailed, before: PolicyWorld): string {
  if (assertion.expect === "denied") return now.verdict.rules.length ? `Caused by ${allowedByText(now.verdict.rules)}.` : "";
  const witness = now.witness;
  if (!witness) return "No rule allows it.";
  const then = evaluate(normalizeRules(before.rules), witness.src, witness.dst, witness.probe.query);
  if (!then.allowed) return "No rule allows it.";
  const byId = new Map(before.rules.map((rule) => [rule.id, rule]));
  return `Before this change it was allowed by ${allowedByText(decidingRules(then, byId))}.`;
}
