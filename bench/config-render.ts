/**
 * Rendering every node's config for a 1,000-node network with 200 firewall rules, in memory.
 * Baseline: serialising the very same config objects with `yaml`'s stringify and JSON.stringify,
 * which shows what the renderer adds over plain serialisation (rule selection, YAML 1.1 document,
 * comments, ETag).
 */
import { createHash } from "node:crypto";
import { stringify as yamlStringify } from "yaml";
import type { FirewallRule, PeerSelector, Protocol } from "@/lib/firewall/rule-schema";
import { intToIpv4, ipv4ToInt } from "@/lib/ipam/cidr";
import { renderNodeConfig, type RenderInput } from "@/lib/config/render-node-config";
import { Deadline, formatMs, summarize, type Summary } from "./measure";
import { printReport } from "./table";

const NODE_COUNT = 1_000;
const GROUP_COUNT = 20;
const LIGHTHOUSE_COUNT = 3;
const RULE_COUNT = 200;
const BLOCKLIST_SIZE = 25;
const WARMUP_NODES = 50;
const RENDER_BUDGET_MS = 60_000;
const NETWORK = { name: "Bench network", cidr: "10.42.0.0/16" };
const LIGHTHOUSE_PORT = 4242;

type Network = Omit<RenderInput, "node">;

export async function run(): Promise<void> {
  const nodes = buildNodes();
  const network = buildNetwork(nodes);
  const inputs = nodes.map((node): RenderInput => ({ ...network, node }));

  for (const input of inputs.slice(0, WARMUP_NODES)) renderNodeConfig(input); // let the JIT settle first
  const { samples, objects, yamlBytes, rulesPerNode } = renderAll(inputs);
  const yamlBaseline = timeEach(objects, (o) => yamlStringify(o));
  const jsonBaseline = timeEach(objects, (o) => JSON.stringify(o));
  report(summarize(samples), yamlBaseline, jsonBaseline, { yamlBytes, rulesPerNode });
}

function renderAll(inputs: RenderInput[]) {
  const samples: number[] = [];
  const objects: Array<Record<string, unknown>> = [];
  let yamlBytes = 0;
  let renderedRules = 0;
  const deadline = new Deadline(RENDER_BUDGET_MS);
  for (const input of inputs) {
    if (deadline.passed) break;
    const started = performance.now();
    const rendered = renderNodeConfig(input);
    samples.push(performance.now() - started);
    objects.push(rendered.object);
    yamlBytes += rendered.yaml.length;
    const firewall = rendered.object.firewall as { inbound: unknown[]; outbound: unknown[] };
    renderedRules += firewall.inbound.length + firewall.outbound.length;
  }
  return { samples, objects, yamlBytes: yamlBytes / samples.length, rulesPerNode: renderedRules / samples.length };
}

function timeEach<T>(items: T[], fn: (item: T) => unknown): Summary {
  const samples = items.map((item) => {
    const started = performance.now();
    fn(item);
    return performance.now() - started;
  });
  return summarize(samples);
}

// ---------------------------------------------------------------------------------------------
// The synthetic network: deterministic, so that runs can be compared.

const groupName = (i: number) => `team-${String(i % GROUP_COUNT).padStart(2, "0")}`;
const nodeName = (i: number) => `node-${String(i).padStart(4, "0")}.example.internal`;
const nodeIp = (i: number) => intToIpv4(ipv4ToInt("10.42.0.0") + 1 + i);

/** One to three groups per node, spread evenly so every group has members. */
function groupsOf(i: number): string[] {
  const count = 1 + (i % 3);
  return [...new Set([groupName(i), groupName(i * 7 + 3), groupName(i * 13 + 5)].slice(0, count))];
}

function buildNodes(): Array<RenderInput["node"]> {
  return Array.from({ length: NODE_COUNT }, (_, i) => {
    const isLighthouse = i < LIGHTHOUSE_COUNT;
    return {
      name: nodeName(i),
      ip: nodeIp(i),
      groups: groupsOf(i),
      isLighthouse,
      isRelay: isLighthouse,
      listenPort: isLighthouse ? LIGHTHOUSE_PORT : null,
      overrides: i % 10 === 0 ? { tunMtu: 1280, logLevel: "warning" } : {},
    };
  });
}

function buildNetwork(nodes: Array<RenderInput["node"]>): Network {
  const lighthouseNodes = nodes.filter((n) => n.isLighthouse);
  return {
    target: "1.6",
    network: NETWORK,
    // Realistically sized PEM text: the renderer copies it, so its length is part of the work.
    pki: { mode: "inline", ca: fakePem("NEBULA CERTIFICATE", 0, 220), cert: fakePem("NEBULA CERTIFICATE", 1, 240) },
    lighthouses: lighthouseNodes.map((n, i) => ({ name: n.name, ip: n.ip, endpoints: [`lh${i}.example.com:${LIGHTHOUSE_PORT}`, `198.51.100.${i + 10}:${LIGHTHOUSE_PORT}`] })),
    relays: lighthouseNodes.map((n) => ({ name: n.name, ip: n.ip })),
    rules: Array.from({ length: RULE_COUNT }, (_, i) => buildRule(i)),
    blocklist: Array.from({ length: BLOCKLIST_SIZE }, (_, i) => createHash("sha256").update(`revoked-${i}`).digest("hex")),
  };
}

function fakePem(banner: string, seed: number, bytes: number): string {
  const body = createHash("sha512").update(String(seed)).digest().toString("base64").repeat(Math.ceil(bytes / 64)).slice(0, Math.ceil((bytes * 4) / 3));
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${banner}-----\n${lines.join("\n")}\n-----END ${banner}-----\n`;
}

const PROTOCOLS: Protocol[] = ["tcp", "udp", "any", "icmp"];
const PORTS = ["443", "8000-8100", "any", "22", "5000-5999", "53"];

/** Every selector kind, port form and protocol, and about a third of the rules applying to everyone. */
function buildRule(i: number): FirewallRule {
  const proto = PROTOCOLS[i % PROTOCOLS.length]!;
  // ICMP has no ports; "fragment" goes with proto any.
  const port = proto === "icmp" ? "any" : proto === "any" && i % 8 === 2 ? "fragment" : PORTS[i % PORTS.length]!;
  return {
    id: `rule-${String(i).padStart(3, "0")}`,
    position: i,
    direction: i % 4 === 0 ? "outbound" : "inbound",
    proto,
    port,
    peer: peerFor(i),
    appliesTo: i % 3 === 0 ? { kind: "all" } : { kind: "group", group: groupName(i * 11) },
    description: i % 2 === 0 ? `Rule ${i}: ${proto} ${port} for the ${groupName(i)} service` : "",
  };
}

function peerFor(i: number): PeerSelector {
  switch (i % 5) {
    case 0:
      return { kind: "any" };
    case 1:
      return { kind: "group", group: groupName(i) };
    case 2:
      return { kind: "groups", groups: [groupName(i), groupName(i + 1), ...(i % 2 ? [groupName(i + 2)] : [])] };
    case 3:
      return { kind: "cidr", cidr: `10.42.${i % 4}.0/24` };
    default:
      return { kind: "host", host: nodeName(i * 3) };
  }
}

function report(render: Summary, yaml: Summary, json: Summary, size: { yamlBytes: number; rulesPerNode: number }): void {
  const row = (label: string, s: Summary) => [label, String(s.count), formatMs(s.mean), formatMs(s.p50), formatMs(s.p99), `${((s.mean * s.count) / 1000).toFixed(2)} s`];
  printReport({
    title: `Config rendering: ${NODE_COUNT.toLocaleString("en-US")} nodes, ${RULE_COUNT} rules, ${GROUP_COUNT} groups, ${LIGHTHOUSE_COUNT} lighthouses`,
    goal: "renderNodeConfig < 2 ms per node (mean and p99)",
    columns: ["per node", "nodes", "mean", "p50", "p99", "total"],
    rows: [row("renderNodeConfig", render), row("baseline: yaml stringify(same object)", yaml), row("baseline: JSON.stringify(same object)", json)],
    notes: [`on average ${size.rulesPerNode.toFixed(0)} firewall rules and ${(size.yamlBytes / 1024).toFixed(1)} KiB of YAML per node`],
  });
}
