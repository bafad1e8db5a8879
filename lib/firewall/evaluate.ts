/**
 * Reachability: would Nebula let host A open `proto/port` on host B under these rules? Pure: no
 * Next, no Prisma. Mirrors how a Nebula node evaluates its own firewall section, so the answer is
 * what the rendered configs will actually do, not what the editor's wording suggests.
 */
import { ipv4ToInt } from "@/lib/ipam/cidr";
import { anyCidrContains } from "@/lib/ipam/cidr6";
import { participationBlocker, type HostState } from "./host-state";
import { parsePort, type AppliesTo, type Direction, type FirewallRule, type PeerSelector } from "./rule-schema";

/** What a Nebula certificate carries, which is all a node's firewall can see of its peer. */
export interface HostIdentity {
  name: string;
  /** Its IPv4 address (every host has one). */
  ip: string;
  /**
   * Every address its certificate carries, `ip` included: a dual-stack host (v2 certificate) adds
   * its IPv6 address. Left out, the host has only `ip`.
   */
  ips?: string[];
  groups: string[];
  /**
   * The node's lifecycle, when the host is a real node. Hypothetical hosts (the group matrix) leave
   * it out and are judged on their rules alone.
   */
  state?: HostState;
}

/** The first packet of a flow. `port` is the destination port; it is ignored for ICMP (use 0). */
export interface Query {
  proto: "tcp" | "udp" | "icmp";
  port: number;
  /**
   * The address family the flow uses. Nebula 1.10 matches a cidr rule against the packet's remote
   * address, so a flow to a dual-stack peer's IPv6 address is judged by IPv6 CIDRs only, and one to
   * its IPv4 address by IPv4 CIDRs only. Left out: the flow is allowed if it is over either family
   * both hosts have (IPv4 tried first).
   */
  family?: "ipv4" | "ipv6";
}

export type DirectionVerdict = { allowed: true; ruleId: string; rule: FirewallRule } | { allowed: false; reason: string };

export interface Reachability {
  allowed: boolean;
  outbound: DirectionVerdict;
  inbound: DirectionVerdict;
  summary: string;
  /**
   * Set when a host's state (blocked, pending, no valid certificate) refuses the flow before any
   * rule is looked at; both verdicts then carry that reason rather than a rule's.
   */
  blockedBy?: "node-state";
}

/** Rules of `direction` that `host` loads into its own firewall, in the order they are rendered. */
export function rulesApplyingTo(rules: FirewallRule[], host: HostIdentity, direction: Direction): FirewallRule[] {
  return rules.filter((rule) => rule.direction === direction && appliesToHost(rule.appliesTo, host)).sort((a, b) => a.position - b.position);
}

function appliesToHost(appliesTo: AppliesTo, host: HostIdentity): boolean {
  return appliesTo.kind === "all" || host.groups.includes(appliesTo.group);
}

/** Whether `rule` lets traffic of `query` through when the other end of the flow is `peer`. */
export function ruleMatches(rule: FirewallRule, peer: HostIdentity, query: Query): boolean {
  return protoMatches(rule, query) && portMatches(rule.port, query) && peerMatches(rule.peer, peer);
}

function protoMatches(rule: FirewallRule, query: Query): boolean {
  return rule.proto === "any" || rule.proto === query.proto;
}

/**
 * Nebula carries no ports for ICMP: the packet is looked up as port 0, which only the `any` port
 * slot holds. So `proto: any, port: 443` does not let ping through, while `proto: any, port: any`
 * does.
 */
function matchedPort(query: Query): number {
  return query.proto === "icmp" ? 0 : query.port;
}

function portMatches(portText: string, query: Query): boolean {
  const spec = parsePort(portText);
  if (spec === null) return false;
  switch (spec.kind) {
    case "any":
      return true;
    case "fragment":
      // `fragment` only admits the non-first fragments of a packet; a query is always a first packet.
      return false;
    case "range": {
      const port = matchedPort(query);
      return spec.from <= port && port <= spec.to;
    }
  }
}

/**
 * Nebula treats a selector naming the group `any` (even inside a `groups` list), the host `any` or
 * the CIDR 0.0.0.0/0 as matching every peer, whatever its certificate says.
 */
export function peerMatches(selector: PeerSelector, peer: HostIdentity): boolean {
  switch (selector.kind) {
    case "any":
      return true;
    case "group":
      return selector.group === "any" || peer.groups.includes(selector.group);
    case "groups":
      return selector.groups.includes("any") || selector.groups.every((group) => peer.groups.includes(group));
    case "cidr":
      // Any of its addresses: evaluate() narrows a dual-stack host to one family per flow first.
      return addressesOf(peer).some((address) => (address.includes(":") ? anyCidrContains(selector.cidr, address) : cidrContains(selector.cidr, address)));
    case "host":
      return selector.host === "any" || selector.host === peer.name;
  }
}

const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function cidrContains(cidr: string, address: string): boolean {
  const [network, bits] = cidr.split("/");
  const prefix = Number(bits);
  if (network === undefined || !DOTTED_QUAD.test(network) || !DOTTED_QUAD.test(address) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    return false;
  }
  // Compare by division rather than bit masks: JavaScript's shifts wrap at 32 bits, so a /0 mask
  // cannot be built with `<<`.
  const blockSize = 2 ** (32 - prefix);
  return Math.floor(ipv4ToInt(network) / blockSize) === Math.floor(ipv4ToInt(address) / blockSize);
}

/**
 * Nebula checks a flow twice: the sender's outbound rules must admit the receiver, and the
 * receiver's inbound rules must admit the sender. Both sides look at the receiver's port. Anything
 * no rule admits is dropped; rules only ever allow, so the first match by position is reported.
 * Before that, a host whose `state` keeps it off the overlay refuses the flow outright.
 */
export function evaluate(rules: FirewallRule[], src: HostIdentity, dst: HostIdentity, query: Query): Reachability {
  const refusal = stateRefusal(src, dst, query);
  if (refusal) return refusal;
  // One flow uses one address family end to end: both directions are judged for the same family.
  if (query.family) {
    const missing = [src, dst].find((host) => !hasFamily(host, query.family!));
    if (missing) {
      const verdict: DirectionVerdict = { allowed: false, reason: `${missing.name} has no ${query.family === "ipv6" ? "IPv6" : "IPv4"} address` };
      return { allowed: false, outbound: verdict, inbound: verdict, summary: `${src.name} cannot reach ${dst.name} on ${describeQuery(query)} over ${query.family === "ipv6" ? "IPv6" : "IPv4"}: ${verdict.reason}.` };
    }
  }
  const families = query.family ? [query.family] : (["ipv4", "ipv6"] as const).filter((f) => hasFamily(src, f) && hasFamily(dst, f));
  if (families.length === 0) return evaluateFlow(rules, src, dst, query);
  let first: Reachability | null = null;
  for (const family of families) {
    const verdict = evaluateFlow(rules, onlyFamily(src, family), onlyFamily(dst, family), query);
    if (verdict.allowed) return verdict;
    first ??= verdict;
  }
  return first!;
}

function addressesOf(host: HostIdentity): string[] {
  return host.ips?.length ? host.ips : [host.ip];
}

function hasFamily(host: HostIdentity, family: "ipv4" | "ipv6"): boolean {
  return addressesOf(host).some((a) => a.includes(":") === (family === "ipv6"));
}

/** The host as seen by a flow over `family`: that family's address only (its `ip` too, for local_cidr). */
function onlyFamily(host: HostIdentity, family: "ipv4" | "ipv6"): HostIdentity {
  const addresses = addressesOf(host).filter((a) => a.includes(":") === (family === "ipv6"));
  return { ...host, ...(family === "ipv6" && addresses[0] ? { ip: addresses[0] } : {}), ips: addresses };
}

function evaluateFlow(rules: FirewallRule[], src: HostIdentity, dst: HostIdentity, query: Query): Reachability {  const outbound = directionVerdict(rules, src, dst, "outbound", query);
  const inbound = directionVerdict(rules, dst, src, "inbound", query);
  const allowed = outbound.allowed && inbound.allowed;
  return { allowed, outbound, inbound, summary: summarize(src, dst, query, outbound, inbound) };
}

/**
 * Without a tunnel neither firewall ever sees a packet, so the rules are not consulted: reporting
 * "allowed by rule X" for a blocked peer would tell the reader the wrong thing to change.
 */
function stateRefusal(src: HostIdentity, dst: HostIdentity, query: Query): Reachability | null {
  const blockers = [src, dst].flatMap((host) => {
    const blocker = host.state ? participationBlocker(host.name, host.state) : null;
    return blocker ? [blocker] : [];
  });
  const reasons = [...new Set(blockers)];
  if (reasons.length === 0) return null;
  // Reasons start with a node name, kept as spelled (names are case-sensitive), even at a sentence start.
  const verdict: DirectionVerdict = { allowed: false, reason: reasons.join(". ") };
  const sentences = [`${src.name} cannot reach ${dst.name} on ${describeQuery(query)}`, ...reasons];
  return { allowed: false, outbound: verdict, inbound: verdict, summary: `${sentences.join(". ")}.`, blockedBy: "node-state" };
}

function directionVerdict(rules: FirewallRule[], self: HostIdentity, peer: HostIdentity, direction: Direction, query: Query): DirectionVerdict {
  const rule = rulesApplyingTo(rules, self, direction).find((candidate) => ruleMatches(candidate, peer, query) && localCidrAdmits(candidate, self));
  if (rule) return { allowed: true, ruleId: rule.id, rule };
  return { allowed: false, reason: denialReason(self, peer, direction, query) };
}

/**
 * A rule limited to a routed subnet (local_cidr) matches only packets whose local end lies in
 * that subnet; host-to-host traffic ends at the host's overlay address, outside every route.
 */
function localCidrAdmits(rule: FirewallRule, self: HostIdentity): boolean {
  if (!rule.localCidr) return true;
  const [base, bits] = rule.localCidr.split("/");
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(self.ip)) return false;
  const size = 2 ** (32 - Number(bits));
  const start = ipv4ToInt(base!);
  const ip = ipv4ToInt(self.ip);
  return ip >= start && ip < start + size;
}

function denialReason(self: HostIdentity, peer: HostIdentity, direction: Direction, query: Query): string {
  const preposition = direction === "outbound" ? "to" : "from";
  return `No ${direction} rule on ${self.name} allows ${describeQuery(query)} ${preposition} ${peer.name}`;
}

function summarize(src: HostIdentity, dst: HostIdentity, query: Query, outbound: DirectionVerdict, inbound: DirectionVerdict): string {
  const flow = `${src.name} ${outbound.allowed && inbound.allowed ? "can" : "cannot"} reach ${dst.name} on ${describeQuery(query)}`;
  if (outbound.allowed && inbound.allowed) {
    return `${flow}, allowed by "${describeRule(outbound.rule)}" and "${describeRule(inbound.rule)}".`;
  }
  const reasons = [outbound, inbound].flatMap((verdict) => (verdict.allowed ? [] : [lowerFirst(verdict.reason)]));
  return `${flow}: ${reasons.join(", and ")}.`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

export function describeQuery(query: Query): string {
  return query.proto === "icmp" ? "icmp" : `${query.proto}/${query.port}`;
}

/** One line for lists and tooltips, e.g. "inbound tcp/443 from group web (applies to group db)". */
export function describeRule(rule: FirewallRule): string {
  const preposition = rule.direction === "inbound" ? "from" : "to";
  const into = rule.localCidr ? ` into ${rule.localCidr}` : "";
  return `${rule.direction} ${describeTraffic(rule)} ${preposition} ${describePeer(rule.peer)}${into} (applies to ${describeAppliesTo(rule.appliesTo)})`;
}

function describeTraffic(rule: FirewallRule): string {
  if (rule.proto === "icmp") return "icmp";
  if (rule.port === "any") return rule.proto === "any" ? "any" : `${rule.proto}/any`;
  if (rule.port === "fragment") return `${rule.proto} fragments`;
  return `${rule.proto}/${rule.port}`;
}

function describePeer(peer: PeerSelector): string {
  switch (peer.kind) {
    case "any":
      return "any host";
    case "group":
      return `group ${peer.group}`;
    case "groups":
      return `groups ${peer.groups.join(" + ")}`;
    case "cidr":
      return peer.cidr;
    case "host":
      return `host ${peer.host}`;
  }
}

function describeAppliesTo(appliesTo: AppliesTo): string {
  return appliesTo.kind === "all" ? "all hosts" : `group ${appliesTo.group}`;
}
