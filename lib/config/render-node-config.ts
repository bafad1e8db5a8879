/**
 * Renders one node's Nebula config.yml from the network's state. Pure: no Next, no Prisma, no
 * child processes. Every config it renders is checked against the real `nebula -test` of 1.6.1
 * and 1.10 in render-node-config.nebula.test.ts.
 */
import { createHash } from "node:crypto";
import { Document as YamlDocument, isMap, visit } from "yaml";
import { parsePort, type Direction, type FirewallRule, type Protocol } from "@/lib/firewall/rule-schema";
import { ipv4ToInt, parseNetworkCidr, type Ipv4Cidr } from "@/lib/ipam/cidr";

/** The OLDEST Nebula version the network's nodes may run: it decides which keys may be emitted. */
export type NebulaTarget = "1.6" | "1.7" | "1.10";
export type LogLevel = "panic" | "fatal" | "error" | "warning" | "info" | "debug";

export interface RenderInput {
  target: NebulaTarget;
  network: { name: string; cidr: string };
  node: {
    name: string;
    ip: string;
    groups: string[];
    isLighthouse: boolean;
    isRelay: boolean;
    /** Required for lighthouses and relays; null means a random port (0) for ordinary hosts. */
    listenPort: number | null;
    overrides: { tunDev?: string; tunMtu?: number; logLevel?: LogLevel };
  };
  pki: { mode: "inline"; ca: string; cert: string; key?: string } | { mode: "paths"; ca: string; cert: string; key: string };
  /** Endpoints are "host:port"; the list may include the node itself. */
  lighthouses: Array<{ name: string; ip: string; endpoints: string[] }>;
  /** May include the node itself. */
  relays: Array<{ name: string; ip: string }>;
  /** All rules of the network; only those that apply to this node are rendered, in `position` order. */
  rules: FirewallRule[];
  /** Certificate fingerprints (hex). */
  blocklist: string[];
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
};

type FirewallSection = {
  conntrack: { tcp_timeout: string; udp_timeout: string; default_timeout: string };
  outbound_action?: "drop";
  inbound_action?: "drop";
  outbound: NebulaFirewallRule[];
  inbound: NebulaFirewallRule[];
};

type Lighthouse = RenderInput["lighthouses"][number];
type RenderNode = RenderInput["node"];

const DEFAULT_TUN_DEV = "nebula1";
const DEFAULT_TUN_MTU = 1300;
const LIGHTHOUSE_INTERVAL_SECONDS = 60;
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
  return { object: rendered.object, yaml, etag: etagOf(yaml) };
}

/**
 * Everything of the node that its body depends on; the name appears only in the header. The
 * address matters only where it picks the node out of the lighthouse or relay lists.
 */
export function bodyShapeOf(input: RenderInput): string {
  const node = input.node;
  const named = input.lighthouses.some((l) => l.ip === node.ip) || input.relays.some((r) => r.ip === node.ip);
  // Group order never reaches the output (rules are selected by membership), so it is not part of the shape.
  return JSON.stringify([input.target, input.pki, [...node.groups].sort(compareText), node.isLighthouse, node.isRelay, node.listenPort, node.overrides, named ? node.ip : null]);
}

function renderBody(input: RenderInput): RenderedBody {
  const network = parseNetwork(input.network.cidr);
  assertListenPort(input.node);
  const rules = applicableRules(input.rules, input.node);
  const lighthouses = reachableLighthouses(input.lighthouses, input.node, network);

  const object = {
    pki: renderPki(input.pki, input.blocklist),
    static_host_map: renderStaticHostMap(lighthouses),
    lighthouse: renderLighthouse(input.node, lighthouses),
    listen: { host: "0.0.0.0", port: input.node.listenPort ?? ANY_PORT },
    punchy: { punch: true, respond: true },
    relay: renderRelay(input.node, input.relays),
    tun: renderTun(input.node.overrides),
    logging: { level: input.node.overrides.logLevel ?? "info", format: "text" },
    firewall: renderFirewall(input.target, rules),
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

function parseNetwork(cidr: string): Ipv4Cidr {
  const parsed = parseNetworkCidr(cidr);
  if (!parsed.ok) throw new ConfigRenderError(`Network range ${cidr}: ${parsed.error}`);
  return parsed.cidr;
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
function reachableLighthouses(lighthouses: Lighthouse[], node: RenderNode, network: Ipv4Cidr): Lighthouse[] {
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
    interval: LIGHTHOUSE_INTERVAL_SECONDS,
    // A lighthouse with upstream lighthouses would report its peers to them; Nebula warns about it.
    hosts: node.isLighthouse ? [] : [...new Set(lighthouses.map((l) => l.ip))],
  };
}

function renderRelay(node: RenderNode, relays: RenderInput["relays"]) {
  // Nebula ignores relay.relays when am_relay is true ("Ignoring relays from config"); keep it empty so the file says what happens.
  const others = node.isRelay ? [] : relays.filter((r) => r.ip !== node.ip);
  return { am_relay: node.isRelay, use_relays: true, relays: [...new Set(sortByIp(others).map((r) => r.ip))] };
}

function renderTun(overrides: RenderNode["overrides"]) {
  return {
    disabled: false,
    dev: overrides.tunDev ?? DEFAULT_TUN_DEV,
    mtu: overrides.tunMtu ?? DEFAULT_TUN_MTU,
    drop_local_broadcast: false,
    drop_multicast: false,
    tx_queue: 500,
    routes: [],
    unsafe_routes: [],
  };
}

function renderFirewall(target: NebulaTarget, rules: FirewallRule[]): FirewallSection {
  const conntrack = { tcp_timeout: "12m", udp_timeout: "3m", default_timeout: "10m" };
  const rulesFor = (direction: Direction) => rules.filter((r) => r.direction === direction).map(renderRule);
  // Only 1.7+ knows the *_action keys; 1.6 would silently ignore them. Drop is Nebula's default and
  // is written out only to make it visible. Using it for both directions also sidesteps the
  // pre-1.11 bug that applied each action to the opposite direction.
  const actions = target === "1.6" ? {} : { outbound_action: "drop" as const, inbound_action: "drop" as const };
  return { conntrack, ...actions, outbound: rulesFor("outbound"), inbound: rulesFor("inbound") };
}

function renderRule(rule: FirewallRule): NebulaFirewallRule {
  // Nebula matches "any", "fragment" and numbers case-sensitively and rejects anything else.
  if (parsePort(rule.port) === null) {
    throw new ConfigRenderError(`Firewall rule ${rule.id}: "${rule.port}" is not a Nebula port`);
  }
  return { port: rule.port, proto: rule.proto, ...peerSelector(rule) };
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
    `# Written for Nebula ${input.target} and later.`,
  ].join("\n");
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

function containsIp(network: Ipv4Cidr, ip: string): boolean {
  const value = ipv4ToInt(ip);
  return value >= network.start && value <= network.end;
}

function sortByIp<T extends { ip: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => ipv4ToInt(a.ip) - ipv4ToInt(b.ip));
}

/** Code-unit order, so the output does not depend on the server's locale. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
