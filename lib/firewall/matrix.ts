/**
 * The group matrix: for every ordered pair of groups, what a host holding only the first group may
 * open on a host holding only the second. Pure: no Next, no Prisma.
 *
 * It is an approximation of real hosts, on purpose:
 * - The hypothetical hosts have no name and no address. Host selectors therefore match only
 *   Nebula's `host: any`, and CIDR selectors only 0.0.0.0/0 (or ::/0), which every address is inside; rules
 *   that pick peers by a particular name or address are left out of the matrix.
 * - A real host usually holds several groups, so it may also be admitted by a `groups` (AND)
 *   selector that no single-group host satisfies: it can reach at least what its groups' cells say.
 * - "any" means TCP and UDP on every port plus ICMP; other IP protocols are not considered.
 * - Cells say what the rules allow. Whether any real host can use that is `activeHosts`: a pair
 *   whose sender or receiver group has no active host carries no traffic (see `pairIsIdle`).
 */
import { evaluate, type HostIdentity, type Query } from "./evaluate";
import { parsePort, type FirewallRule } from "./rule-schema";

export interface GroupMatrix {
  groups: string[];
  /**
   * cells[src][dst]: labels such as "any", "tcp/443", "tcp/8000-8100", "udp/any", "icmp", sorted
   * for reading: tcp, then udp (ports ascending), then icmp. Empty when nothing gets through.
   */
  cells: Record<string, Record<string, string[]>>;
  /**
   * Per group, how many of its nodes take part in the overlay (active, with a valid certificate).
   * Blocked and pending members are left out: Nebula never lets them in, whatever the rules say.
   */
  activeHosts: Record<string, number>;
}

const FIRST_PORT = 1;
const LAST_PORT = 65535;

type PortedProto = "tcp" | "udp";
const portedProtos: readonly PortedProto[] = ["tcp", "udp"];

interface PortRange {
  from: number;
  to: number;
}

/** `activeHosts` counts per group name; a group missing from it has none. */
export function groupMatrix(rules: FirewallRule[], groups: string[], activeHosts: Readonly<Record<string, number>>): GroupMatrix {
  const uniqueGroups = [...new Set(groups)];
  const usableRules = rules.filter(isIdentityFree);
  const segments = { tcp: portSegments(usableRules, "tcp"), udp: portSegments(usableRules, "udp") };
  const cells: Record<string, Record<string, string[]>> = {};
  for (const src of uniqueGroups) {
    const row: Record<string, string[]> = {};
    for (const dst of uniqueGroups) {
      row[dst] = cellLabels(usableRules, hostOnlyIn(src), hostOnlyIn(dst), segments);
    }
    cells[src] = row;
  }
  return { groups: uniqueGroups, cells, activeHosts: Object.fromEntries(uniqueGroups.map((group) => [group, activeHosts[group] ?? 0])) };
}

/** Whether no real flow can use the cell src → dst, because one side has no active host. */
export function pairIsIdle(matrix: GroupMatrix, src: string, dst: string): boolean {
  return (matrix.activeHosts[src] ?? 0) === 0 || (matrix.activeHosts[dst] ?? 0) === 0;
}

/**
 * An empty name can never equal a real host selector (names are at least one character) and the
 * address is never consulted, because the rules that would look at it are filtered out first.
 */
function hostOnlyIn(group: string): HostIdentity {
  // Both families, so that an IPv6 rule for every peer (::/0) counts like 0.0.0.0/0. Such rules
  // exist only on dual-stack networks (rule-store refuses IPv6 CIDRs elsewhere), whose hosts all have both.
  return { name: "", ip: "0.0.0.0", ips: ["0.0.0.0", "::"], groups: [group] };
}

/** Whether the rule's peer selector can be judged from group membership alone. */
function isIdentityFree(rule: FirewallRule): boolean {
  switch (rule.peer.kind) {
    case "cidr":
      return rule.peer.cidr.endsWith("/0");
    case "host":
      return rule.peer.host === "any";
    default:
      return true;
  }
}

/**
 * Splits 1–65535 at every range edge the rules mention for `proto`, so every port inside one
 * segment is treated alike by every rule, and checking a segment's first port answers for all.
 */
export function portSegments(rules: FirewallRule[], proto: PortedProto): PortRange[] {
  const edges = new Set<number>([FIRST_PORT, LAST_PORT + 1]);
  for (const rule of rules) {
    if (rule.proto !== proto && rule.proto !== "any") continue;
    const spec = parsePort(rule.port);
    if (spec?.kind !== "range") continue;
    edges.add(spec.from);
    edges.add(spec.to + 1);
  }
  const sorted = [...edges].sort((a, b) => a - b);
  return sorted.slice(0, -1).map((from, i) => ({ from, to: (sorted[i + 1] ?? LAST_PORT + 1) - 1 }));
}

function cellLabels(rules: FirewallRule[], src: HostIdentity, dst: HostIdentity, segments: Record<PortedProto, PortRange[]>): string[] {
  const allows = (query: Query) => evaluate(rules, src, dst, query).allowed;
  const openRanges = (proto: PortedProto) => mergeAdjacent(segments[proto].filter((segment) => allows({ proto, port: segment.from })));
  const open: Record<PortedProto, PortRange[]> = { tcp: openRanges("tcp"), udp: openRanges("udp") };
  const icmp = allows({ proto: "icmp", port: 0 });
  if (icmp && portedProtos.every((proto) => coversAllPorts(open[proto]))) return ["any"];
  const labels = portedProtos.flatMap((proto) => open[proto].map((range) => rangeLabel(proto, range)));
  return icmp ? [...labels, "icmp"] : labels;
}

function mergeAdjacent(ranges: PortRange[]): PortRange[] {
  const merged: PortRange[] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && last.to + 1 === range.from) last.to = range.to;
    else merged.push({ ...range });
  }
  return merged;
}

function coversAllPorts(ranges: PortRange[]): boolean {
  const only = ranges[0];
  return ranges.length === 1 && only !== undefined && only.from === FIRST_PORT && only.to === LAST_PORT;
}

function rangeLabel(proto: PortedProto, range: PortRange): string {
  if (range.from === FIRST_PORT && range.to === LAST_PORT) return `${proto}/any`;
  if (range.from === range.to) return `${proto}/${range.from}`;
  return `${proto}/${range.from}-${range.to}`;
}
