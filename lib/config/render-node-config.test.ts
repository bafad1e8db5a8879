import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, parseDocument, visit } from "yaml";
import { groupNameSchema, hostNameSchema, type PeerSelector } from "@/lib/firewall/rule-schema";
import { lighthouses, nodeInput, relays, representativeRules, rule } from "./render-node-config.fixtures";
import { bodyShapeOf, ConfigRenderError, dnsResolversFor, renderNodeConfig, type NebulaFirewallRule, type RenderedBody, type RenderInput } from "./render-node-config";

const web1 = { name: "web1", ip: "10.42.0.5", groups: ["web"] };

type Rendered = {
  pki: Record<string, unknown>;
  static_host_map: Record<string, string[]>;
  lighthouse: { am_lighthouse: boolean; interval: number; hosts: string[] };
  listen: { host: string; port: number };
  relay: { am_relay: boolean; use_relays: boolean; relays: string[] };
  tun: Record<string, unknown>;
  logging: { level: string; format: string };
  firewall: Record<string, unknown> & { inbound: NebulaFirewallRule[]; outbound: NebulaFirewallRule[] };
};

/** The config as Nebula would read it: parsed back from the YAML text. */
function rendered(input: RenderInput): Rendered {
  return parse(renderNodeConfig(input).yaml, { version: "1.1" }) as Rendered;
}

function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...keysDeep(v)]);
  return [];
}

describe("renderNodeConfig: lighthouses and static hosts", () => {
  it("makes a lighthouse a lighthouse with no upstream lighthouses and a fixed port", () => {
    const config = rendered(nodeInput({ name: "lh1", ip: "10.42.0.1", isLighthouse: true, listenPort: 4242 }));
    expect(config.lighthouse).toEqual({ am_lighthouse: true, interval: 60, hosts: [] });
    expect(config.listen).toEqual({ host: "0.0.0.0", port: 4242 });
    expect(config.static_host_map).toEqual({ "10.42.0.2": ["198.51.100.2:4242"] });
  });

  it("points an ordinary node at every lighthouse, sorted by address, on a random port", () => {
    const config = rendered(nodeInput(web1));
    expect(config.lighthouse).toEqual({ am_lighthouse: false, interval: 60, hosts: ["10.42.0.1", "10.42.0.2"] });
    expect(config.static_host_map).toEqual({
      "10.42.0.1": ["203.0.113.1:4242", "[2001:db8::1]:4242"],
      "10.42.0.2": ["198.51.100.2:4242"],
    });
    expect(Object.keys(config.static_host_map)).toEqual(["10.42.0.1", "10.42.0.2"]);
    expect(config.listen.port).toBe(0);
  });

  it("leaves out a lighthouse that has no endpoints yet, since Nebula refuses to start without its static_host_map entry", () => {
    const config = rendered(nodeInput(web1, { lighthouses: [...lighthouses, { name: "lh3", ip: "10.42.0.3", endpoints: [] }] }));
    expect(config.lighthouse.hosts).toEqual(["10.42.0.1", "10.42.0.2"]);
    expect(config.static_host_map).not.toHaveProperty("10.42.0.3");
  });

  it("refuses a lighthouse outside the network", () => {
    const outside = [{ name: "far", ip: "10.43.0.1", endpoints: ["203.0.113.9:4242"] }];
    expect(() => renderNodeConfig(nodeInput(web1, { lighthouses: outside }))).toThrow(ConfigRenderError);
  });

  it.each([
    ["lighthouse", { isLighthouse: true }],
    ["relay", { isRelay: true }],
  ])("refuses a %s without a fixed listen port", (_, role) => {
    expect(() => renderNodeConfig(nodeInput({ name: "n", ip: "10.42.0.8", ...role, listenPort: null }))).toThrow(/fixed listen port/);
  });
});

describe("renderNodeConfig: relays", () => {
  it("lets an ordinary node use every relay", () => {
    expect(rendered(nodeInput(web1)).relay).toEqual({ am_relay: false, use_relays: true, relays: ["10.42.0.9"] });
  });

  it("gives a relay no relays of its own, since Nebula ignores them on a relay", () => {
    const config = rendered(nodeInput({ name: "relay1", ip: "10.42.0.9", isRelay: true, listenPort: 4243 }, { relays: [...relays, { name: "relay2", ip: "10.42.0.10" }] }));
    expect(config.relay).toEqual({ am_relay: true, use_relays: true, relays: [] });
  });

  it("never lists a node as its own relay", () => {
    const self = { name: "web1", ip: "10.42.0.5" };
    expect(rendered(nodeInput(web1, { relays: [...relays, self] })).relay.relays).toEqual(["10.42.0.9"]);
  });
});

describe("renderNodeConfig: firewall", () => {
  it("renders only the rules that apply to the node, in position order", () => {
    const config = rendered(nodeInput(web1, { rules: [...representativeRules].reverse() }));
    expect(config.firewall.outbound).toEqual([{ port: "any", proto: "any", host: "any" }]);
    expect(config.firewall.inbound).toEqual([
      { port: "any", proto: "icmp", host: "any" },
      { port: "443", proto: "tcp", group: "web" },
      { port: "8000-8100", proto: "tcp", groups: ["web", "ops"] },
      { port: "53", proto: "udp", cidr: "10.42.0.0/16" },
      { port: "fragment", proto: "any", host: "any" },
    ]);
  });

  it("adds the rules of every group the node is in", () => {
    const config = rendered(nodeInput({ ...web1, groups: ["web", "ops", "db"] }));
    expect(config.firewall.inbound).toContainEqual({ port: "22", proto: "tcp", host: "lh1" });
    expect(config.firewall.inbound).toContainEqual({ port: "5432", proto: "tcp", group: "web" });
    expect(config.firewall.outbound).toContainEqual({ port: "5000-5100", proto: "udp", group: "db" });
  });

  it("keeps a port range as one range rule", () => {
    const yaml = renderNodeConfig(nodeInput(web1)).yaml;
    expect(yaml).toContain('port: "8000-8100"');
    expect(yaml).not.toMatch(/port: "?8001"?/);
  });

  it("renders a groups selector as a list that must all match", () => {
    const inbound = rendered(nodeInput(web1)).firewall.inbound;
    expect(inbound.find((r) => r.groups)).toEqual({ port: "8000-8100", proto: "tcp", groups: ["web", "ops"] });
  });

  it("gives every rule exactly one selector", () => {
    const config = rendered(nodeInput({ ...web1, groups: ["web", "ops", "db"] }));
    for (const r of [...config.firewall.inbound, ...config.firewall.outbound]) {
      expect(Object.keys(r).filter((k) => ["host", "group", "groups", "cidr"].includes(k))).toHaveLength(1);
    }
  });

  it("puts rule descriptions in comments, on one line, not in rule keys", () => {
    const { yaml, object } = renderNodeConfig(nodeInput(web1));
    expect(yaml).toContain("    # DNS from the overlay\n    - port: \"53\"");
    expect(keysDeep(object)).not.toContain("description");
  });

  it.each<[string, PeerSelector]>([
    ["host", { kind: "host", host: "any" }],
    ["group", { kind: "group", group: "any" }],
    ["groups", { kind: "groups", groups: ["web", "any"] }],
  ])("refuses a %s named any, which Nebula would read as every peer", (_, peer) => {
    const rules = [rule(1, { direction: "inbound", peer })];
    expect(() => renderNodeConfig(nodeInput(web1, { rules }))).toThrow(/named "any"/);
  });

  it("refuses a port Nebula would reject", () => {
    const rules = [rule(1, { direction: "inbound", port: "Any" })];
    expect(() => renderNodeConfig(nodeInput(web1, { rules }))).toThrow(/not a Nebula port/);
  });

  it("quotes names that a YAML 1.1 parser (Nebula 1.6) would read as booleans or numbers", () => {
    const rules = [
      rule(1, { direction: "inbound", peer: { kind: "host", host: "yes" } }),
      rule(2, { direction: "inbound", peer: { kind: "group", group: "on" } }),
      rule(3, { direction: "inbound", peer: { kind: "host", host: "0x1f" } }),
    ];
    const yaml = renderNodeConfig(nodeInput(web1, { rules })).yaml;
    expect(yaml).toContain('host: "yes"');
    expect(yaml).toContain('group: "on"');
    expect(yaml).toContain('host: "0x1f"');
  });

  // Go's yaml (Nebula) resolves plain scalars with its own rules, e.g. strconv.ParseInt with base 0,
  // which reads 0o17 and 1_000 as numbers where the yaml package's 1.1 schema sees strings; a
  // number in a `groups:` list panics Nebula. So no string value may be left plain.
  it("quotes every string value, so no YAML 1.1 reader can take a name for a number, bool or null", () => {
    const names = ["0o17", "0x1F", "1e3", "yes", "on", "null", "~", "1_000", ".inf", "0b101", "1:20", "2001-01-01"];
    const rules = names.flatMap((name, i) => [
      rule(i * 3 + 1, { direction: "inbound", peer: { kind: "group", group: name } }),
      rule(i * 3 + 2, { direction: "inbound", peer: { kind: "groups", groups: ["web", name] } }),
      rule(i * 3 + 3, { direction: "outbound", peer: { kind: "host", host: name } }),
    ]);
    const blocklist = ["123e4567", "0x1f", "1_000"];
    const { yaml } = renderNodeConfig(nodeInput({ ...web1, groups: ["web", ...names] }, { rules, blocklist, pki: { mode: "paths", ca: "1e3", cert: "yes", key: "0o17" } }));

    const config = parse(yaml, { version: "1.1" }) as Rendered;
    const selected = [...config.firewall.inbound, ...config.firewall.outbound].flatMap((r) => [r.group, ...(r.groups ?? []), r.host].filter((v) => v !== undefined));
    expect(selected).toEqual(expect.arrayContaining(names));
    for (const value of selected) expect(typeof value, String(value)).toBe("string");
    expect(config.pki).toMatchObject({ ca: "1e3", cert: "yes", key: "0o17" });
    for (const fingerprint of config.pki.blocklist as unknown[]) expect(typeof fingerprint).toBe("string");
    expect(config.pki.blocklist).toEqual(["0x1f", "123e4567", "1_000"]);

    const plain: string[] = [];
    visit(parseDocument(yaml, { version: "1.1" }), {
      Scalar(key, node) {
        if (key !== "key" && typeof node.value === "string" && node.type === "PLAIN") plain.push(node.value);
      },
    });
    expect(plain).toEqual([]);
  });

  it("is given such names by the schemas, which take them wherever the name grammar does (they are rendered quoted)", () => {
    for (const name of ["0o17", "0x1F", "1e3", "yes", "on", "null", "1_000", ".inf"]) expect(groupNameSchema.safeParse(name).success, name).toBe(true);
    for (const name of ["0o17", "0x1F", "1e3", "yes", "on", "null"]) expect(hostNameSchema.safeParse(name).success, name).toBe(true);
    // Not hostnames (RFC 1123) and not group names either way, quoted or not.
    for (const name of ["~", "1_000", ".inf"]) expect(hostNameSchema.safeParse(name).success, name).toBe(false);
    expect(groupNameSchema.safeParse("~").success).toBe(false);
  });

  it("emits no key that Nebula 1.6 does not know on target 1.6", () => {
    const keys = keysDeep(renderNodeConfig(nodeInput({ ...web1, groups: ["web", "ops", "db"] }, { target: "1.6" })).object);
    for (const newer of ["local_cidr", "inbound_action", "outbound_action", "blacklist"]) expect(keys).not.toContain(newer);
  });

  it.each(["1.7", "1.10"] as const)("spells out drop as the default action on target %s", (target) => {
    const firewall = rendered(nodeInput(web1, { target })).firewall;
    expect(firewall).toMatchObject({ inbound_action: "drop", outbound_action: "drop" });
    expect(keysDeep(firewall)).not.toContain("local_cidr");
  });

  it("sets the conntrack timeouts", () => {
    expect(rendered(nodeInput(web1)).firewall.conntrack).toEqual({ tcp_timeout: "12m", udp_timeout: "3m", default_timeout: "10m" });
  });
});

describe("renderNodeConfig: pki", () => {
  it("renders inline PEMs and a sorted, deduplicated, lowercase blocklist", () => {
    const pki = rendered(nodeInput(web1, { blocklist: ["bb", "AA", "aa", " bb "] })).pki;
    expect(pki).toEqual({
      ca: expect.stringContaining("BEGIN NEBULA CERTIFICATE"),
      cert: expect.stringContaining("BEGIN NEBULA CERTIFICATE"),
      key: expect.stringContaining("PRIVATE KEY"),
      blocklist: ["aa", "bb"],
      disconnect_invalid: true,
    });
    expect(pki).not.toHaveProperty("blacklist");
  });

  it("always renders a blocklist, even an empty one", () => {
    expect(rendered(nodeInput(web1)).pki.blocklist).toEqual([]);
  });

  it("renders paths", () => {
    const pki = { mode: "paths", ca: "/etc/nebula/ca.crt", cert: "/etc/nebula/host.crt", key: "/etc/nebula/host.key" } as const;
    expect(rendered(nodeInput(web1, { pki })).pki).toMatchObject({ ca: "/etc/nebula/ca.crt", cert: "/etc/nebula/host.crt", key: "/etc/nebula/host.key" });
  });

  it("leaves the key out of an inline config for a host that keeps its own key", () => {
    const pki = { mode: "inline", ca: "-----BEGIN NEBULA CERTIFICATE-----\n", cert: "-----BEGIN NEBULA CERTIFICATE-----\n" } as const;
    expect(rendered(nodeInput(web1, { pki })).pki).not.toHaveProperty("key");
  });

  it("refuses inline material that Nebula would read as a path", () => {
    const pki = { mode: "inline", ca: "ca.crt", cert: "-----BEGIN NEBULA CERTIFICATE-----\n" } as const;
    expect(() => renderNodeConfig(nodeInput(web1, { pki }))).toThrow(ConfigRenderError);
  });
});

describe("renderNodeConfig: tun, logging and the file", () => {
  it("uses the defaults without overrides", () => {
    const config = rendered(nodeInput(web1));
    expect(config.tun).toEqual({
      disabled: false,
      dev: "nebula1",
      mtu: 1300,
      drop_local_broadcast: false,
      drop_multicast: false,
      tx_queue: 500,
      routes: [],
      unsafe_routes: [],
    });
    expect(config.logging).toEqual({ level: "info", format: "text" });
    expect(config).toMatchObject({ punchy: { punch: true, respond: true } });
  });

  it("applies overrides", () => {
    const config = rendered(nodeInput({ ...web1, overrides: { tunDev: "nc0", tunMtu: 1400, logLevel: "warning" } }));
    expect(config.tun).toMatchObject({ dev: "nc0", mtu: 1400 });
    expect(config.logging.level).toBe("warning");
  });

  it("starts with a header saying the file is generated and will be overwritten", () => {
    const yaml = renderNodeConfig(nodeInput(web1, { network: { name: "Prod\n# evil: yes", cidr: "10.42.0.0/16" } })).yaml;
    const header = yaml.split("\n\n")[0]!;
    expect(header).toMatch(/^# Generated by Nebula Commander/);
    expect(header).toContain("overwritten");
    expect(header.split("\n").every((line) => line.startsWith("#"))).toBe(true);
  });

  it("returns the object the YAML encodes", () => {
    const { object, yaml } = renderNodeConfig(nodeInput(web1));
    expect(parse(yaml, { version: "1.1" })).toEqual(object);
  });
});

describe("renderNodeConfig: determinism and etag", () => {
  it("renders byte-identical YAML and the same etag for the same input, in any order", () => {
    const first = renderNodeConfig(nodeInput(web1, { blocklist: ["cc", "aa"] }));
    const shuffled = renderNodeConfig(
      nodeInput(web1, {
        blocklist: ["aa", "cc"],
        rules: [...representativeRules].reverse(),
        lighthouses: [...lighthouses].reverse().map((l) => ({ ...l, endpoints: [...l.endpoints].reverse() })),
      }),
    );
    expect(shuffled.yaml).toBe(first.yaml);
    expect(shuffled.etag).toBe(first.etag);
    expect(first.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("changes the etag when a rule changes", () => {
    const before = renderNodeConfig(nodeInput(web1));
    const changed = representativeRules.map((r) => (r.port === "8000-8100" ? { ...r, port: "8000-8200" } : r));
    const after = renderNodeConfig(nodeInput(web1, { rules: changed }));
    expect(after.etag).not.toBe(before.etag);
  });
});

describe("renderNodeConfig: bodies shared by nodes alike (BodyMemo)", () => {
  const memoMap = () => {
    const map = new Map<string, RenderedBody>();
    return { map, memo: { get: (k: string) => map.get(k), set: (k: string, v: RenderedBody) => void map.set(k, v) } };
  };
  const nodes: Array<Parameters<typeof nodeInput>[0]> = [
    { name: "web-a", ip: "10.42.1.1", groups: ["web"] },
    { name: "web-b", ip: "10.42.1.2", groups: ["web"] },
    { name: "both-a", ip: "10.42.1.3", groups: ["web", "db"] },
    { name: "both-b", ip: "10.42.1.4", groups: ["db", "web"] },
    { name: "plain", ip: "10.42.1.5" },
    // A lighthouse and a relay are picked out of their lists by address: never shared with another.
    { name: "lh1", ip: "10.42.0.1", isLighthouse: true, listenPort: 4242 },
    { name: "relay1", ip: "10.42.0.9", isRelay: true, listenPort: 4243 },
    { name: "relay-twin", ip: "10.42.0.10", isRelay: true, listenPort: 4243 },
  ];

  it("renders exactly what a render without the memo renders, for every node", () => {
    const { map, memo } = memoMap();
    for (const node of nodes) {
      const input = nodeInput(node, { pki: { mode: "paths", ca: "/etc/nebula/ca.crt", cert: "/etc/nebula/host.crt", key: "/etc/nebula/host.key" } });
      const alone = renderNodeConfig(input);
      const shared = renderNodeConfig(input, memo);
      expect(shared.yaml, node.name).toBe(alone.yaml);
      expect(shared.etag, node.name).toBe(alone.etag);
      expect(shared.yaml).toContain(`for node ${node.name} of`);
    }
    // web-a/web-b and both-a/both-b (groups in either order) share; relay1 and relay-twin do not (relay1 lists no relay, relay-twin lists relay1).
    expect(map.size).toBe(nodes.length - 2);
  });

  it("tells apart what the body depends on: groups, roles, port, overrides, target and pki", () => {
    const base = nodeInput({ name: "n", ip: "10.42.1.1", groups: ["web"] });
    const shapes = new Set([
      bodyShapeOf(base),
      bodyShapeOf({ ...base, node: { ...base.node, groups: ["db"] } }),
      bodyShapeOf({ ...base, node: { ...base.node, listenPort: 4000 } }),
      bodyShapeOf({ ...base, node: { ...base.node, overrides: { tunMtu: 1400 } } }),
      bodyShapeOf({ ...base, node: { ...base.node, isRelay: true, listenPort: 4000 } }),
      bodyShapeOf({ ...base, target: "1.10" }),
      bodyShapeOf({ ...base, pki: { ...base.pki, cert: "other" } }),
    ]);
    expect(shapes.size).toBe(7);
    expect(bodyShapeOf({ ...base, node: { ...base.node, name: "m", ip: "10.42.1.2" } })).toBe(bodyShapeOf(base));
  });
});

// ---- issue 12 part 3: lighthouse DNS ----
describe("renderNodeConfig: lighthouse DNS", () => {
  const lh1 = { name: "lh1", ip: "10.42.0.1", isLighthouse: true, listenPort: 4242 };
  const serving = lighthouses.map((l) => (l.name === "lh1" ? { ...l, dns: { host: "10.42.0.1", port: 53 } } : l));
  type WithDns = Rendered & { lighthouse: Rendered["lighthouse"] & { serve_dns?: boolean; dns?: { host: string; port: number } } };

  it("makes a lighthouse serve DNS on the host and port it is given", () => {
    const config = rendered(nodeInput({ ...lh1, dns: { host: "10.42.0.1", port: 5353 } }, { lighthouses: serving })) as WithDns;
    expect(config.lighthouse).toEqual({ am_lighthouse: true, serve_dns: true, dns: { host: "10.42.0.1", port: 5353 }, interval: 60, hosts: [] });
  });

  it("writes no DNS keys for a node that does not serve DNS, so existing configs stay byte-identical", () => {
    const yaml = renderNodeConfig(nodeInput(lh1)).yaml;
    expect(yaml).not.toMatch(/serve_dns|\n {2}dns:/);
    expect(renderNodeConfig(nodeInput(web1)).yaml.split("\n\n")[0]).not.toContain("DNS");
  });

  it("refuses DNS on a node that is not a lighthouse (nebula would only log a warning and serve nothing)", () => {
    expect(() => renderNodeConfig(nodeInput({ ...web1, dns: { host: "10.42.0.5", port: 53 } }))).toThrow(/only a lighthouse/i);
  });

  it.each([
    ["an IPv6 host", { host: "fd00::1", port: 53 }, /IPv4/],
    ["a host that is no address", { host: "lh1.example.com", port: 53 }, /IPv4/],
    ["port 0", { host: "10.42.0.1", port: 0 }, /port/],
    ["port 65536", { host: "10.42.0.1", port: 65536 }, /port/],
  ])("refuses %s", (_, dns, message) => {
    expect(() => renderNodeConfig(nodeInput({ ...lh1, dns }))).toThrow(message);
  });

  it("names the lighthouses' resolvers in a host's header comment, not in Nebula's keys", () => {
    const both = lighthouses.map((l) => ({ ...l, dns: { host: l.ip, port: l.name === "lh1" ? 53 : 5353 } }));
    const { yaml, object } = renderNodeConfig(nodeInput(web1, { lighthouses: both }));
    const header = yaml.split("\n\n")[0]!;
    expect(header).toContain("10.42.0.1:53 (lh1), 10.42.0.2:5353 (lh2)");
    expect(header.split("\n").every((line) => line.startsWith("#"))).toBe(true);
    expect(keysDeep(object)).not.toContain("serve_dns");
    expect(dnsResolversFor(nodeInput(web1, { lighthouses: both }))).toEqual([
      { lighthouse: "lh1", address: "10.42.0.1", port: 53 },
      { lighthouse: "lh2", address: "10.42.0.2", port: 5353 },
    ]);
  });

  it("offers a resolver on a loopback address only to its own lighthouse", () => {
    const local = lighthouses.map((l) => (l.name === "lh1" ? { ...l, dns: { host: "127.0.0.1", port: 53 } } : l));
    expect(dnsResolversFor(nodeInput(web1, { lighthouses: local }))).toEqual([]);
    expect(dnsResolversFor(nodeInput({ ...lh1, dns: { host: "127.0.0.1", port: 53 } }, { lighthouses: local }))).toEqual([{ lighthouse: "lh1", address: "127.0.0.1", port: 53 }]);
  });

  it("tells lighthouses apart by their DNS setting when sharing bodies", () => {
    const base = nodeInput(lh1);
    expect(bodyShapeOf({ ...base, node: { ...base.node, dns: { host: "10.42.0.1", port: 53 } } })).not.toBe(bodyShapeOf(base));
    expect(bodyShapeOf({ ...base, node: { ...base.node, dns: { host: "10.42.0.1", port: 53 } } })).not.toBe(bodyShapeOf({ ...base, node: { ...base.node, dns: { host: "10.42.0.1", port: 5353 } } }));
  });

  // Property: for any set of lighthouses with or without DNS, and any node, the config serves DNS
  // exactly when the node is a lighthouse given a DNS setting, with exactly that host and port, and
  // the header lists exactly the other lighthouses' overlay resolvers (plus its own).
  it("serves DNS exactly as asked and lists exactly the reachable resolvers, for any fleet", () => {
    const octet = fc.integer({ min: 1, max: 254 });
    const dnsSetting = fc.option(fc.record({ loopback: fc.boolean(), port: fc.integer({ min: 1, max: 65535 }) }), { nil: null });
    const fleet = fc.uniqueArray(fc.record({ octet, dns: dnsSetting }), { selector: (l) => l.octet, minLength: 0, maxLength: 5 });
    fc.assert(
      fc.property(fleet, octet, fc.boolean(), dnsSetting, (fleetLighthouses, selfOctet, selfIsLighthouse, selfDns) => {
        const ip = (o: number) => `10.42.3.${o}`;
        const dnsOf = (d: { loopback: boolean; port: number } | null, o: number) => (d ? { host: d.loopback ? "127.0.0.1" : ip(o), port: d.port } : undefined);
        const list = fleetLighthouses.filter((l) => l.octet !== selfOctet).map((l) => ({ name: `lh${l.octet}`, ip: ip(l.octet), endpoints: [`198.51.100.${l.octet}:4242`], dns: dnsOf(l.dns, l.octet) }));
        const ownDns = selfIsLighthouse ? dnsOf(selfDns, selfOctet) : undefined;
        const self = { name: "self", ip: ip(selfOctet), isLighthouse: selfIsLighthouse, listenPort: selfIsLighthouse ? 4242 : null, dns: ownDns };
        const all = selfIsLighthouse ? [...list, { name: "self", ip: self.ip, endpoints: ["198.51.100.250:4242"], dns: ownDns }] : list;
        const input = nodeInput(self, { lighthouses: all, network: { name: "P", cidr: "10.42.0.0/16" } });
        const { yaml } = renderNodeConfig(input);
        const config = parse(yaml, { version: "1.1" }) as WithDns;
        if (ownDns) expect(config.lighthouse).toMatchObject({ serve_dns: true, dns: ownDns });
        else expect(config.lighthouse).not.toHaveProperty("serve_dns");
        const expected = [
          ...list.filter((l) => l.dns && l.dns.host !== "127.0.0.1").map((l) => ({ lighthouse: l.name, address: l.ip, port: l.dns!.port })),
          ...(ownDns ? [{ lighthouse: "self", address: ownDns.host, port: ownDns.port }] : []),
        ].sort((a, b) => Number(a.address.split(".")[3]) - Number(b.address.split(".")[3]) || a.lighthouse.localeCompare(b.lighthouse));
        const resolvers = dnsResolversFor(input);
        expect([...resolvers].sort((a, b) => Number(a.address.split(".")[3]) - Number(b.address.split(".")[3]) || a.lighthouse.localeCompare(b.lighthouse))).toEqual(expected);
        const header = yaml.split("\n\n")[0]!;
        for (const r of resolvers) expect(header).toContain(`${r.address}:${r.port} (${r.lighthouse})`);
        if (!resolvers.length) expect(header).not.toContain("DNS");
      }),
      { numRuns: 200 },
    );
  });
});
