/**
 * Renders one node's Nebula config.yml from the network's state. Pure: no Next, no Prisma, no
 * child processes. Every config it renders is checked against the real `nebula -test` of 1.6.1
 * and 1.10 in render-node-config.nebula.test.ts.
 */
import { createHash } from "node:crypto";
import { Document as YamlDocument, isMap, visit } from "yaml";
import { parsePort, type Direction, type FirewallRule, type Protocol } from "@/lib/firewall/rule-schema";
import { compareIp } from "@/lib/ipam/address-space";
import { parseNetworkCidr } from "@/lib/ipam/cidr";
import { anyCidrContains, parseNetworkCidr6 } from "@/lib/ipam/cidr6";
import { capabilitiesOf, capabilityKey, configGenerationOf, formatNebulaVersion, parseNebulaVersion, type NebulaCapabilities, type NebulaVersion } from "./nebula-versions";

/** The OLDEST Nebula version the network's nodes may run: it decides which keys may be emitted. */
export type NebulaTarget = "1.6" | "1.7" | "1.10";
export type LogLevel = "panic" | "fatal" | "error" | "warning" | "info" | "debug";
/** What Nebula does with traffic no rule allows: drop silently, or reject (TCP RST / ICMP unreachable). */
export type FirewallAction = "drop" | "reject";

export interface RenderInput {
  target: NebulaTarget;
  /**
   * The Nebula version the host reported (x-nc-nebula-version), e.g. "1.10.3": the config is
   * written for it. Null, absent or unreadable means not reported yet: then `target` decides.
   */
  hostVersion?: string | null;
  /** The network's certificate format (Network.certVersion, default 1): a v2 CA needs Nebula 1.10 on the host. */
  certVersion?: 1 | 2;
  /** What the firewall does with traffic no rule allows, per direction (default drop); 1.6 always drops. */
  firewallActions?: { inbound: FirewallAction; outbound: FirewallAction };
  /** cidr is null on an IPv6-only network; hosts are then named by their IPv6 addresses (lib/ipam/address-space.ts). */
  network: { name: string; cidr: string | null; cidr6?: string | null };
  node: {
    name: string;
    ip: string;
    groups: string[];
    isLighthouse: boolean;
    isRelay: boolean;
    /** Required for lighthouses and relays; null means a random port (0) for ordinary hosts. */
    listenPort: number | null;
    overrides: { tunDev?: string; tunMtu?: number; logLevel?: LogLevel };
    /** Lighthouse DNS (lighthouse.serve_dns): where this lighthouse answers; absent or null serves none. */
    dns?: DnsListener | null;
  };
  pki: { mode: "inline"; ca: string; cert: string; key?: string } | { mode: "paths"; ca: string; cert: string; key: string };
  /** Endpoints are "host:port"; the list may include the node itself. */
  lighthouses: Array<{ name: string; ip: string; endpoints: string[]; dns?: DnsListener | null }>;
  /** May include the node itself. */
  relays: Array<{ name: string; ip: string }>;
  /** All rules of the network; only those that apply to this node are rendered, in `position` order. */
  rules: FirewallRule[];
  /** Certificate fingerprints (hex). */
  blocklist: string[];
  /**
   * Subnets routed by hosts of the network (what their certificates carry): every other host
   * sends them through `via`. May include the node's own routes, which it does not route to itself.
   */
  unsafeRoutes?: Array<{ route: string; via: string }>;
}

export interface RenderedConfig {
  object: Record<string, unknown>;
  yaml: string;
  /** `"<hex>"`: an HTTP entity tag of the YAML text. */
  etag: string;
}

/** Thrown when the input cannot become a config that Nebula would start with, or would be less strict than the rules say. */
export class ConfigRenderError extends Error {
  override name = "ConfigRenderError";
}

export type NebulaFirewallRule = {
  port: string;
  proto: Protocol;
  host?: string;
  group?: string;
  groups?: string[];
  cidr?: string;
  local_cidr?: string;
};

type FirewallSection = {
  conntrack: { tcp_timeout: string; udp_timeout: string; default_timeout: string };
  outbound_action?: FirewallAction;
  inbound_action?: FirewallAction;
  default_local_cidr_any?: boolean;
  outbound: NebulaFirewallRule[];
  inbound: NebulaFirewallRule[];
};

type Lighthouse = RenderInput["lighthouses"][number];
type RenderNode = RenderInput["node"];

const DEFAULT_TUN_DEV = "nebula1";
const DEFAULT_TUN_MTU = 1300;
/** How often a host reports to its lighthouses; CA retirement waits one such interval (lib/pki/ca-rotation.ts). */
export const LIGHTHOUSE_INTERVAL_SECONDS = 60;
const ANY_PORT = 0;

/** What a config's body (all but its header comment) is, kept so that nodes alike share one render. */
export interface RenderedBody {
  object: Record<string, unknown>;
  body: string;
}

/**
 * Bodies already rendered from ONE network state (same CA, lighthouses, relays, rules, blocklist,
 * target), keyed by what differs between its nodes (bodyShapeOf). A fleet has few such shapes, so
 * re-rendering 10,000 nodes after a rule change is mostly a lookup; the YAML library, not rule
 * selection, is what costs (bench/config-render.ts).
 */
export interface BodyMemo {
  get(shape: string): RenderedBody | undefined;
  set(shape: string, body: RenderedBody): void;
}

export function renderNodeConfig(input: RenderInput, memo?: BodyMemo): RenderedConfig {
  const shape = memo ? bodyShapeOf(input) : null;
  let rendered = shape === null ? undefined : memo!.get(shape);
  if (!rendered) {
    rendered = renderBody(input);
    if (shape !== null) memo!.set(shape, rendered);
  }
  const yaml = `${headerText(input)}\n\n${rendered.body}`;
  // Hashed only when asked for: the agents' poll answers carry the bundle's ETag (node-api.ts),
  // which hashes this text itself, so hashing it here too doubled the hashing of a woken fleet.
  let etag: string | undefined;
  return {
    object: rendered.object,
    yaml,
    get etag() {
      return (etag ??= etagOf(yaml));
    },
  };
}

/**
 * Everything of the node that its body depends on; the name appears only in the header. The
 * address matters only where it picks the node out of the lighthouse or relay lists.
 */
export function bodyShapeOf(input: RenderInput): string {
  const node = input.node;
  const named = input.lighthouses.some((l) => l.ip === node.ip) || input.relays.some((r) => r.ip === node.ip) || (input.unsafeRoutes ?? []).some((r) => r.via === node.ip);
  // Group order never reaches the output (rules are selected by membership), so it is not part of the shape.
  const { caps } = versionOf(input);
  return JSON.stringify([input.target, capabilityKey(caps), input.certVersion ?? 1, input.firewallActions ?? DROP_BOTH, input.pki, [...node.groups].sort(compareText), node.isLighthouse, node.isRelay, node.listenPort, node.overrides, named ? node.ip : null, node.dns ?? null]);
}

const DROP_BOTH = { inbound: "drop", outbound: "drop" } as const satisfies RenderInput["firewallActions"];

const TARGET_VERSIONS: Record<NebulaTarget, NebulaVersion> = {
  "1.6": { major: 1, minor: 6, patch: 0 },
  "1.7": { major: 1, minor: 7, patch: 0 },
  "1.10": { major: 1, minor: 10, patch: 0 },
};

/**
 * The version the config is written for: the host's own when it reported one Nebula-readable,
 * otherwise the network's target (the oldest version its nodes may run, so safe for all of them).
 */
export function versionOf(input: Pick<RenderInput, "target" | "hostVersion">): { version: NebulaVersion; reported: boolean; caps: NebulaCapabilities } {
  const reported = parseNebulaVersion(input.hostVersion);
  const version = reported ?? TARGET_VERSIONS[input.target];
  return { version, reported: reported !== null, caps: capabilitiesOf(version) };
}

/** A v2 CA or certificate is unreadable before 1.10: refuse (the agent shows why) rather than send a config nebula cannot start with. */
function assertCertVersionReadable(input: RenderInput, certVersion: 1 | 2, caps: NebulaCapabilities): void {
  if (certVersion !== 2 || caps.v2Certificates) return;
  const { version, reported } = versionOf(input);
  const who = reported ? `runs Nebula ${formatNebulaVersion(version)}` : `has not reported its Nebula version and the network allows ${input.target}`;
  throw new ConfigRenderError(`Node ${input.node.name} ${who}, which cannot read this network's v2 certificates: upgrade it to Nebula 1.10 or later`);
}

function renderBody(input: RenderInput): RenderedBody {
  const network = parseNetwork(input.network);
  assertListenPort(input.node);
  const { caps } = versionOf(input);
  const rules = enforceableRules(caps, applicableRules(input.rules, input.node));
  const lighthouses = reachableLighthouses(input.lighthouses, input.node, network);
  const certVersion = input.certVersion ?? 1;
  assertCertVersionReadable(input, certVersion, caps);

  const object = {
    pki: { ...renderPki(input.pki, input.blocklist), ...(caps.initiatingVersion ? { initiating_version: certVersion } : {}) },
    static_host_map: renderStaticHostMap(lighthouses),
    lighthouse: renderLighthouse(input.node, lighthouses),
    listen: { host: "0.0.0.0", port: input.node.listenPort ?? ANY_PORT },
    punchy: { punch: true, respond: true },
    relay: renderRelay(input.node, input.relays),
    tun: renderTun(input.node.overrides, unsafeRoutesFor(input.unsafeRoutes ?? [], input.node, network)),
    logging: { level: input.node.overrides.logLevel ?? "info", format: "text" },
    firewall: renderFirewall(caps, input.firewallActions ?? DROP_BOTH, rules),
  };
  return { object, body: toYaml(object, rules) };
}

/** Whether `rule` is enforced on `node`: rules for all nodes, or for a group the node is in. */
export function ruleAppliesToNode(rule: FirewallRule, node: Pick<RenderNode, "groups">): boolean {
  return rule.appliesTo.kind === "all" || node.groups.includes(rule.appliesTo.group);
}

function applicableRules(rules: FirewallRule[], node: RenderNode): FirewallRule[] {
  // Ties on position are broken by id so that the output never depends on the caller's array order.
  return rules.filter((rule) => ruleAppliesToNode(rule, node)).sort((a, b) => a.position - b.position || compareText(a.id, b.id));
}

/**
 * Nebula 1.6 has no local_cidr: a rule limited to a routed subnet would open the host itself and
 * every subnet it routes, which is wider than the rule says. Such rules are left out on 1.6
 * (narrower, never wider); a rule without a subnet already covers the routed subnets there.
 */
function enforceableRules(caps: NebulaCapabilities, rules: FirewallRule[]): FirewallRule[] {
  return caps.localCidr ? rules : rules.filter((r) => !r.localCidr);
}

/**
 * The routes this node sends through other hosts. Its own routes are left out (it forwards them
 * itself); a route through an address outside the network could never be reached.
 */
function unsafeRoutesFor(routes: NonNullable<RenderInput["unsafeRoutes"]>, node: RenderNode, network: PrimaryRange) {
  const through = routes.filter((r) => r.via !== node.ip);
  for (const r of through) {
    if (!containsIp(network, r.via)) throw new ConfigRenderError(`The route ${r.route} goes through ${r.via}, outside the network ${network.text}`);
  }
  return [...through].sort((a, b) => compareText(a.route, b.route)).map((r) => ({ route: r.route, via: r.via }));
}

/** The range hosts' primary addresses lie in: the IPv4 range, or the IPv6 range of an IPv6-only network. */
interface PrimaryRange {
  text: string;
}

function parseNetwork(network: RenderInput["network"]): PrimaryRange {
  if (network.cidr) {
    const parsed = parseNetworkCidr(network.cidr);
    if (!parsed.ok) throw new ConfigRenderError(`Network range ${network.cidr}: ${parsed.error}`);
    return { text: parsed.cidr.text };
  }
  if (!network.cidr6) throw new ConfigRenderError(`Network ${network.name} has no address range`);
  const parsed = parseNetworkCidr6(network.cidr6);
  if (!parsed.ok) throw new ConfigRenderError(`Network range ${network.cidr6}: ${parsed.error}`);
  return { text: parsed.cidr.text };
}

function assertListenPort(node: RenderNode): void {
  const port = node.listenPort;
  if (port !== null && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new ConfigRenderError(`Node ${node.name}: listen port ${port} is not a port number`);
  }
  // Nebula refuses to start a lighthouse on port 0 ("am_lighthouse enabled on node but no port
  // number is set"); a relay on a random port would start but could not be reached.
  if ((node.isLighthouse || node.isRelay) && !port) {
    throw new ConfigRenderError(`Node ${node.name} is a lighthouse or relay and needs a fixed listen port`);
  }
}

function renderPki(pki: RenderInput["pki"], blocklist: string[]) {
  // Nebula treats a value as PEM only when it contains "-----BEGIN"; anything else is read as a path.
  const inlineValues = pki.key === undefined ? [pki.ca, pki.cert] : [pki.ca, pki.cert, pki.key];
  if (pki.mode === "inline" && !inlineValues.every((pem) => pem.includes("-----BEGIN"))) {
    throw new ConfigRenderError("Inline PKI material must be PEM text");
  }
  return {
    ca: pki.ca,
    cert: pki.cert,
    // An inline config without a key is for hosts that keep their own key; the client adds pki.key.
    ...(pki.key === undefined ? {} : { key: pki.key }),
    blocklist: normalizeFingerprints(blocklist),
    // Known to 1.6 already, but only defaults to true from 1.8: without it, a blocklisted or
    // expired certificate keeps its open tunnels on older nodes.
    disconnect_invalid: true,
  };
}

/** Nebula compares fingerprints as lowercase hex text, so "AB..." would block nothing. */
function normalizeFingerprints(fingerprints: string[]): string[] {
  return [...new Set(fingerprints.map((f) => f.trim().toLowerCase()).filter((f) => f !== ""))].sort(compareText);
}

/**
 * The lighthouses this node queries. A node never lists itself. A lighthouse without endpoints is
 * left out: Nebula refuses to start when a lighthouse has no static_host_map entry.
 */
function reachableLighthouses(lighthouses: Lighthouse[], node: RenderNode, network: PrimaryRange): Lighthouse[] {
  const others = lighthouses.filter((l) => l.ip !== node.ip && l.endpoints.length > 0);
  for (const lighthouse of others) {
    // 1.6 refuses to start with a lighthouse outside its network; later versions start, but cannot reach it.
    if (!containsIp(network, lighthouse.ip)) {
      throw new ConfigRenderError(`Lighthouse ${lighthouse.name} (${lighthouse.ip}) is outside the network ${network.text}`);
    }
  }
  return sortByIp(others);
}

function renderStaticHostMap(lighthouses: Lighthouse[]): Record<string, string[]> {
  return Object.fromEntries(lighthouses.map((l) => [l.ip, [...new Set(l.endpoints)].sort(compareText)]));
}

function renderLighthouse(node: RenderNode, lighthouses: Lighthouse[]) {
  return {
    am_lighthouse: node.isLighthouse,
    ...renderServeDns(node),
    interval: LIGHTHOUSE_INTERVAL_SECONDS,
    // A lighthouse with upstream lighthouses would report its peers to them; Nebula warns about it.
    hosts: node.isLighthouse ? [] : [...new Set(lighthouses.map((l) => l.ip))],
  };
}

/**
 * Lighthouse DNS, as nebula implements it (dns_server.go; the same design in 1.6.1 and 1.10.3):
 * - Only a lighthouse serves it: main.go reads `lighthouse.serve_dns` at start and, without
 *   am_lighthouse, only logs "DNS server refusing to run because this host is not a lighthouse".
 *   We refuse to render that rather than write a setting that does nothing.
 * - It listens on UDP `lighthouse.dns.host`:`lighthouse.dns.port` (default port 53). nebula starts it
 *   last, after the tun device, so the lighthouse's own overlay address can be the host.
 * - A record is added when a host completes a handshake with the lighthouse (hostmap.go
 *   addHostInfo): its certificate name plus "." maps to its first address. So it answers only
 *   names of hosts that have (had) a tunnel to that lighthouse, and never its own name; records
 *   are never removed while nebula runs, and are lost when it restarts, until hosts handshake again.
 * - A: the name, e.g. `web1.` (no domain). 1.6.1 matches the name case-sensitively and answers an
 *   unknown name with an empty NOERROR; 1.10.3 lowercases it, answers AAAA for IPv6 addresses too,
 *   and answers NXDOMAIN for an unknown name.
 * - TXT `<overlay ip>.`: the peer's certificate (1.6.1 a text summary, 1.10.3 its JSON), answered only
 *   to queries from the overlay (1.6.1: the network's CIDR; 1.10.3: this host's own networks) or
 *   loopback; queries from the underlay get no answer at all.
 * - dns.host must be IPv4 here: 1.6.1 joins host and port as `host + ":" + port` (a bare IPv6
 *   address makes an unparsable address) while 1.10.3 uses net.JoinHostPort (a bracketed one
 *   breaks there), so no IPv6 spelling works on both.
 * Turning it on or off, or moving it, restarts nebula (lib/agent/reload-decision.ts says why).
 */
export interface DnsListener {
  host: string;
  port: number;
}

/** A lighthouse DNS a host can query: shown on its page, in its config's header, and in the agent's payload. */
export interface DnsResolver {
  lighthouse: string;
  address: string;
  port: number;
}

const IPV4_DOTTED = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function renderServeDns(node: RenderNode): { serve_dns?: true; dns?: DnsListener } {
  const dns = node.dns;
  if (!dns) return {};
  if (!node.isLighthouse) throw new ConfigRenderError(`Node ${node.name}: only a lighthouse can serve DNS (nebula ignores serve_dns elsewhere)`);
  if (!IPV4_DOTTED.test(dns.host)) throw new ConfigRenderError(`Node ${node.name}: the DNS host ${dns.host} must be an IPv4 address`);
  if (!Number.isInteger(dns.port) || dns.port < 1 || dns.port > 65535) throw new ConfigRenderError(`Node ${node.name}: DNS port ${dns.port} is not a port number`);
  return { serve_dns: true, dns: { host: dns.host, port: dns.port } };
}

const isLoopback = (host: string) => host.startsWith("127.");

/**
 * The lighthouse DNS servers this node can query, sorted by address: every lighthouse that serves
 * DNS on its overlay address (and that the node can reach: it has endpoints), and the node's own
 * DNS whatever its address. A DNS on loopback answers only on that lighthouse itself.
 */
export function dnsResolversFor(input: { node: Pick<RenderNode, "ip">; lighthouses: Lighthouse[] }): DnsResolver[] {
  const resolvers = input.lighthouses.flatMap((l) => {
    if (!l.dns) return [];
    const own = l.ip === input.node.ip;
    if (!own && (isLoopback(l.dns.host) || l.endpoints.length === 0)) return [];
    return [{ lighthouse: l.name, address: l.dns.host, port: l.dns.port }];
  });
  return resolvers.sort((a, b) => compareIp(a.address, b.address) || a.port - b.port || compareText(a.lighthouse, b.lighthouse));
}

/** The header names the resolvers: a comment, so nebula never reads it and no version can object. */
function dnsHeaderLines(input: RenderInput): string[] {
  const resolvers = dnsResolversFor(input);
  if (!resolvers.length) return [];
  const list = resolvers.map((r) => `${r.address}:${r.port} (${oneLine(r.lighthouse)})`).join(", ");
  return [`# Host names: query the lighthouse DNS at ${list} for a host's certificate name, e.g. "dig @${resolvers[0]!.address} -p ${resolvers[0]!.port} <name>".`, `# A lighthouse answers only names of hosts that have a tunnel to it.`];
}

function renderRelay(node: RenderNode, relays: RenderInput["relays"]) {
  // Nebula ignores relay.relays when am_relay is true ("Ignoring relays from config"); keep it empty so the file says what happens.
  const others = node.isRelay ? [] : relays.filter((r) => r.ip !== node.ip);
  return { am_relay: node.isRelay, use_relays: true, relays: [...new Set(sortByIp(others).map((r) => r.ip))] };
}

function renderTun(overrides: RenderNode["overrides"], unsafeRoutes: Array<{ route: string; via: string }>) {
  return {
    disabled: false,
    dev: overrides.tunDev ?? DEFAULT_TUN_DEV,
    mtu: overrides.tunMtu ?? DEFAULT_TUN_MTU,
    drop_local_broadcast: false,
    drop_multicast: false,
    tx_queue: 500,
    routes: [],
    unsafe_routes: unsafeRoutes,
  };
}

function renderFirewall(caps: NebulaCapabilities, wanted: { inbound: FirewallAction; outbound: FirewallAction }, rules: FirewallRule[]): FirewallSection {
  const conntrack = { tcp_timeout: "12m", udp_timeout: "3m", default_timeout: "10m" };
  const rulesFor = (direction: Direction) => rules.filter((r) => r.direction === direction).map(renderRule);
  // Only 1.7+ knows the *_action keys (1.6 always drops). 1.7.0 to 1.10.x apply inbound_action to
  // outbound traffic and the reverse (slackhq/nebula#1798, fixed in 1.11.0), so those hosts are
  // given the two keys swapped, and each direction does what the network's setting says.
  const actions = !caps.firewallActions
    ? {}
    : caps.firewallActionsSwapped
      ? { outbound_action: wanted.inbound, inbound_action: wanted.outbound }
      : { outbound_action: wanted.outbound, inbound_action: wanted.inbound };
  // Until 1.10 a rule without local_cidr matches every local destination: the host's own address
  // and the subnets it routes (unsafe_routes). 1.10 narrowed that default to the host's own
  // addresses. 1.6 cannot express the narrower form (no local_cidr), so 1.10+ hosts are told the
  // old default: one rule means the same on every version of a mixed fleet (what
  // firewall/evaluate.ts models), and a rule meant for a routed subnet only says so with local_cidr.
  const localCidr = caps.defaultLocalCidrAny ? { default_local_cidr_any: true } : {};
  return { conntrack, ...actions, ...localCidr, outbound: rulesFor("outbound"), inbound: rulesFor("inbound") };
}

function renderRule(rule: FirewallRule): NebulaFirewallRule {
  // Nebula matches "any", "fragment" and numbers case-sensitively and rejects anything else.
  if (parsePort(rule.port) === null) {
    throw new ConfigRenderError(`Firewall rule ${rule.id}: "${rule.port}" is not a Nebula port`);
  }
  return { port: rule.port, proto: rule.proto, ...peerSelector(rule), ...(rule.localCidr ? { local_cidr: rule.localCidr } : {}) };
}

function peerSelector(rule: FirewallRule): Pick<NebulaFirewallRule, "host" | "group" | "groups" | "cidr"> {
  const peer = rule.peer;
  switch (peer.kind) {
    case "any":
      return { host: "any" };
    case "group":
      assertNotWildcard(rule, [peer.group]);
      return { group: peer.group };
    case "groups":
      assertNotWildcard(rule, peer.groups);
      return { groups: [...peer.groups] };
    case "cidr":
      return { cidr: peer.cidr };
    case "host":
      assertNotWildcard(rule, [peer.host]);
      return { host: peer.host };
  }
}

/**
 * Nebula reads a host or group literally named "any" as the wildcard, so a rule meant for one host
 * or group would admit every peer. Refuse rather than render a wider firewall than the rule says.
 */
function assertNotWildcard(rule: FirewallRule, names: string[]): void {
  if (names.includes("any")) {
    throw new ConfigRenderError(`Firewall rule ${rule.id}: Nebula treats a host or group named "any" as every peer`);
  }
}

/** The header comment, as the YAML library would write a document's leading comment. */
function headerText(input: RenderInput): string {
  return [
    `# Generated by Nebula Commander for node ${oneLine(input.node.name)} of network ${oneLine(input.network.name)}.`,
    `# Do not edit: this file is overwritten whenever the configuration changes.`,
    versionLine(input),
    ...dnsHeaderLines(input),
  ].join("\n");
}

/**
 * Says which versions' keys were written (the host's reported version, or the network's target
 * before it reports), by generation: a version change that needs other keys changes the body
 * anyway, and one that does not leaves the ETag alone.
 */
function versionLine(input: RenderInput): string {
  return `# Written for the keys of Nebula ${configGenerationOf(versionOf(input).caps)}.`;
}

function toYaml(object: Record<string, unknown>, rules: FirewallRule[]): string {
  const doc = new YamlDocument(object, { version: "1.1" });
  quoteStringValues(doc);
  describeRules(doc, rules);
  return doc.toString({ lineWidth: 0 });
}

/**
 * Every string value is written quoted (PEMs as block literals), never plain. Nebula reads its
 * config with Go's yaml, whose plain-scalar rules are its own (YAML 1.1 booleans, and numbers
 * through strconv with base 0: `0o17`, `1_000`, `1e3`), so no list of "ambiguous" names kept
 * here could match it; a group name read as a number panics Nebula. Keys stay plain (the library
 * still quotes one that would not read back as a string): they are ours, or IP addresses.
 */
function quoteStringValues(doc: YamlDocument): void {
  visit(doc, {
    Scalar(key, node) {
      if (key === "key" || typeof node.value !== "string") return;
      node.type = node.value.includes("\n") ? "BLOCK_LITERAL" : "QUOTE_DOUBLE";
    },
  });
}

/** Descriptions go into comments: Nebula 1.6 and 1.10 ignore unknown rule keys today, but nothing promises that. */
function describeRules(doc: YamlDocument, rules: FirewallRule[]): void {
  for (const direction of ["outbound", "inbound"] as const) {
    rules
      .filter((r) => r.direction === direction)
      .forEach((rule, index) => {
        const node = doc.getIn(["firewall", direction, index], true);
        const description = oneLine(rule.description);
        if (isMap(node) && description !== "") node.commentBefore = ` ${description}`;
      });
  }
}

/** A comment ends at a line break, so text with one would spill into the YAML itself. */
function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, " ").trim();
}

function etagOf(yaml: string): string {
  return `"${createHash("sha256").update(yaml).digest("hex").slice(0, 32)}"`;
}

function containsIp(network: PrimaryRange, ip: string): boolean {
  return anyCidrContains(network.text, ip);
}

function sortByIp<T extends { ip: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => compareIp(a.ip, b.ip));
}

/** Code-unit order, so the output does not depend on the server's locale. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
