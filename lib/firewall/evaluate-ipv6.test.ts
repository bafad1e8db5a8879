/** Issue 12 part 4: IPv6 CIDRs in rules, the evaluator and the matrix (dual-stack hosts). */
import { describe, expect, it } from "vitest";
import { evaluate, type HostIdentity } from "./evaluate";
import { groupMatrix } from "./matrix";
import { ruleInputSchema, type FirewallRule, type RuleInput } from "./rule-schema";

function stored(inputs: RuleInput[]): FirewallRule[] {
  return inputs.map((input, i) => ({ ...input, id: `r${i + 1}`, position: (i + 1) * 10 }));
}
const rule = (fields: Partial<RuleInput> & Pick<RuleInput, "direction">): RuleInput => ({ port: "any", proto: "any", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "", ...fields });

const web: HostIdentity = { name: "web-1", ip: "10.42.0.5", ips: ["10.42.0.5", "fd42:abcd:1234::5"], groups: ["web"] };
const db: HostIdentity = { name: "db-1", ip: "10.42.0.6", ips: ["10.42.0.6", "fd42:abcd:1234::6"], groups: ["db"] };
const legacy: HostIdentity = { name: "old-1", ip: "10.42.0.7", groups: ["web"] };

describe("rule schema: IPv6 CIDR peers", () => {
  it("accepts an IPv6 CIDR and stores it in canonical form", () => {
    const parsed = ruleInputSchema.parse({ direction: "inbound", port: "8080", proto: "tcp", peer: { kind: "cidr", cidr: "FD42:ABCD:1234:0:0::/64" } });
    expect(parsed.peer).toEqual({ kind: "cidr", cidr: "fd42:abcd:1234::/64" });
    expect(ruleInputSchema.parse({ direction: "inbound", port: "any", proto: "any", peer: { kind: "cidr", cidr: "::/0" } }).peer).toEqual({ kind: "cidr", cidr: "::/0" });
  });

  it.each(["fd42::1/64", "fd42::/129", "fd42::%eth0/64", "fd42::", "::ffff:10.0.0.0/104"])("refuses %s", (cidr) => {
    expect(ruleInputSchema.safeParse({ direction: "inbound", port: "any", proto: "any", peer: { kind: "cidr", cidr } }).success).toBe(false);
  });

  it("still accepts IPv4 CIDRs unchanged", () => {
    expect(ruleInputSchema.parse({ direction: "inbound", port: "any", proto: "any", peer: { kind: "cidr", cidr: "10.42.0.0/24" } }).peer).toEqual({ kind: "cidr", cidr: "10.42.0.0/24" });
  });
});

describe("evaluate: a cidr rule matches a peer by any of its addresses, one family per flow", () => {
  const rules = stored([rule({ direction: "outbound" }), rule({ direction: "inbound", proto: "tcp", port: "8080", peer: { kind: "cidr", cidr: "fd42:abcd:1234::/64" }, appliesTo: { kind: "group", group: "db" } })]);

  it("admits a dual-stack peer inside the IPv6 CIDR", () => {
    const result = evaluate(rules, web, db, { proto: "tcp", port: 8080 });
    expect(result.allowed).toBe(true);
    expect(result.inbound).toMatchObject({ allowed: true, ruleId: "r2" });
  });

  it("admits it over IPv6 only: nebula matches the packet's source address", () => {
    expect(evaluate(rules, web, db, { proto: "tcp", port: 8080, family: "ipv6" }).allowed).toBe(true);
    expect(evaluate(rules, web, db, { proto: "tcp", port: 8080, family: "ipv4" }).allowed).toBe(false);
  });

  it("refuses a peer without an IPv6 address, and says why when IPv6 is asked for", () => {
    expect(evaluate(rules, legacy, db, { proto: "tcp", port: 8080 }).allowed).toBe(false);
    expect(evaluate(rules, legacy, db, { proto: "tcp", port: 8080, family: "ipv6" }).summary).toContain("old-1 has no IPv6 address");
  });

  it("never mixes families between the two directions of one flow", () => {
    // Outbound admits only the IPv4 range, inbound only the IPv6 range: no single flow passes both.
    const mixed = stored([
      rule({ direction: "outbound", peer: { kind: "cidr", cidr: "10.42.0.0/24" } }),
      rule({ direction: "inbound", peer: { kind: "cidr", cidr: "fd42:abcd:1234::/64" } }),
    ]);
    expect(evaluate(mixed, web, db, { proto: "tcp", port: 22 }).allowed).toBe(false);
  });
});

describe("matrix: ::/0 counts like 0.0.0.0/0", () => {
  it("shows a group rule over every IPv6 peer", () => {
    const rules = stored([rule({ direction: "outbound" }), rule({ direction: "inbound", proto: "tcp", port: "8080", peer: { kind: "cidr", cidr: "::/0" } })]);
    expect(groupMatrix(rules, ["web", "db"], { web: 1, db: 1 }).cells.web!.db).toEqual(["tcp/8080"]);
  });
});
