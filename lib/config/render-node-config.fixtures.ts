/** Inputs shared by the renderer's unit tests and its checks against the real nebula binaries. */
import type { FirewallRule, RuleInput } from "@/lib/firewall/rule-schema";
import type { RenderInput } from "./render-node-config";

let nextId = 0;

export function rule(position: number, fields: Partial<RuleInput> & Pick<RuleInput, "direction">): FirewallRule {
  nextId += 1;
  return {
    id: `rule-${String(nextId).padStart(3, "0")}`,
    position,
    port: "any",
    proto: "any",
    peer: { kind: "any" },
    appliesTo: { kind: "all" },
    description: "",
    ...fields,
  };
}

/** One rule of every selector, protocol and port form, plus rules for groups web1 is not in. */
export const representativeRules: FirewallRule[] = [
  rule(1, { direction: "outbound", description: "Allow all outbound traffic" }),
  rule(2, { direction: "inbound", proto: "icmp", description: "Allow ping (ICMP) from any host" }),
  rule(3, { direction: "inbound", proto: "tcp", port: "443", peer: { kind: "group", group: "web" }, description: "HTTPS between web servers" }),
  rule(4, { direction: "inbound", proto: "tcp", port: "8000-8100", peer: { kind: "groups", groups: ["web", "ops"] } }),
  rule(5, { direction: "inbound", proto: "udp", port: "53", peer: { kind: "cidr", cidr: "10.42.0.0/16" }, description: "DNS\nfrom the overlay" }),
  rule(6, { direction: "inbound", port: "fragment", description: "IP fragments" }),
  rule(7, { direction: "inbound", proto: "tcp", port: "22", peer: { kind: "host", host: "lh1" }, appliesTo: { kind: "group", group: "ops" } }),
  rule(8, { direction: "inbound", proto: "tcp", port: "5432", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "db" } }),
  rule(9, { direction: "outbound", proto: "udp", port: "5000-5100", peer: { kind: "group", group: "db" }, appliesTo: { kind: "group", group: "db" } }),
];

export const caPem = "-----BEGIN NEBULA CERTIFICATE-----\nY2E=\n-----END NEBULA CERTIFICATE-----\n";
export const certPem = "-----BEGIN NEBULA CERTIFICATE-----\nY2VydA==\n-----END NEBULA CERTIFICATE-----\n";
export const keyPem = "-----BEGIN NEBULA X25519 PRIVATE KEY-----\na2V5\n-----END NEBULA X25519 PRIVATE KEY-----\n";

export const lighthouses: RenderInput["lighthouses"] = [
  { name: "lh2", ip: "10.42.0.2", endpoints: ["198.51.100.2:4242"] },
  { name: "lh1", ip: "10.42.0.1", endpoints: ["203.0.113.1:4242", "[2001:db8::1]:4242"] },
];

export const relays: RenderInput["relays"] = [{ name: "relay1", ip: "10.42.0.9" }];

type NodeFields = Partial<RenderInput["node"]> & Pick<RenderInput["node"], "name" | "ip">;

export function nodeInput(node: NodeFields, rest: Partial<Omit<RenderInput, "node">> = {}): RenderInput {
  return {
    target: "1.6",
    network: { name: "Production", cidr: "10.42.0.0/16" },
    pki: { mode: "inline", ca: caPem, cert: certPem, key: keyPem },
    lighthouses,
    relays,
    rules: representativeRules,
    blocklist: [],
    ...rest,
    node: { groups: [], isLighthouse: false, isRelay: false, listenPort: null, overrides: {}, ...node },
  };
}
