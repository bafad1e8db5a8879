import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate, type Query } from "./evaluate";
import { groupMatrix, pairIsIdle } from "./matrix";
import { defaultRules, type FirewallRule, type Protocol, type RuleInput } from "./rule-schema";

function stored(inputs: RuleInput[]): FirewallRule[] {
  return inputs.map((input, i) => ({ ...input, id: `r${i + 1}`, position: (i + 1) * 10 }));
}

function input(fields: Partial<RuleInput> & Pick<RuleInput, "direction">): RuleInput {
  return { port: "any", proto: "any", peer: { kind: "any" }, appliesTo: { kind: "all" }, description: "", ...fields };
}

const allowAllOutbound = input({ direction: "outbound" });

/** For the rule-only cases: the labels depend on the rules alone, never on the counts. */
const noCounts = {};

describe("groupMatrix", () => {
  it("shows only ping under the default rules", () => {
    const matrix = groupMatrix(stored(defaultRules), ["web", "db"], noCounts);
    expect(matrix.groups).toEqual(["web", "db"]);
    expect(matrix.cells).toEqual({ web: { web: ["icmp"], db: ["icmp"] }, db: { web: ["icmp"], db: ["icmp"] } });
  });

  it("collapses everything allowed into any", () => {
    const matrix = groupMatrix(stored([allowAllOutbound, input({ direction: "inbound" })]), ["web"], noCounts);
    expect(matrix.cells.web?.web).toEqual(["any"]);
  });

  it("lists a group rule only where it applies, with ranges and protocols in reading order", () => {
    const rules = stored([
      ...defaultRules,
      input({ direction: "inbound", proto: "tcp", port: "8000-8100", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "app" } }),
      input({ direction: "inbound", proto: "tcp", port: "443", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "app" } }),
      input({ direction: "inbound", proto: "udp", port: "any", peer: { kind: "group", group: "web" }, appliesTo: { kind: "group", group: "app" } }),
      input({ direction: "inbound", proto: "tcp", port: "22", peer: { kind: "group", group: "ops" } }),
    ]);
    const { cells } = groupMatrix(rules, ["web", "app", "ops"], noCounts);
    expect(cells.web?.app).toEqual(["tcp/443", "tcp/8000-8100", "udp/any", "icmp"]);
    expect(cells.app?.web).toEqual(["icmp"]);
    expect(cells.ops?.app).toEqual(["tcp/22", "icmp"]);
    expect(cells.ops?.ops).toEqual(["tcp/22", "icmp"]);
  });

  it("merges touching and overlapping ranges", () => {
    const rules = stored([allowAllOutbound, input({ direction: "inbound", proto: "tcp", port: "100-200" }), input({ direction: "inbound", proto: "tcp", port: "150-300" }), input({ direction: "inbound", proto: "tcp", port: "301" })]);
    expect(groupMatrix(rules, ["a"], noCounts).cells.a?.a).toEqual(["tcp/100-301"]);
  });

  it("needs the outbound side too", () => {
    const rules = stored([input({ direction: "outbound", proto: "tcp", port: "443", appliesTo: { kind: "group", group: "web" } }), input({ direction: "inbound" })]);
    const { cells } = groupMatrix(rules, ["web", "db"], noCounts);
    expect(cells.web?.db).toEqual(["tcp/443"]);
    expect(cells.db?.web).toEqual([]);
  });

  it("ignores selectors that need a host name or an address, except the ones Nebula treats as any", () => {
    const rules = stored([
      allowAllOutbound,
      input({ direction: "inbound", proto: "tcp", port: "22", peer: { kind: "cidr", cidr: "0.0.0.0/8" } }),
      input({ direction: "inbound", proto: "tcp", port: "23", peer: { kind: "host", host: "web-1" } }),
      input({ direction: "inbound", proto: "tcp", port: "24", peer: { kind: "cidr", cidr: "0.0.0.0/0" } }),
      input({ direction: "inbound", proto: "tcp", port: "25", peer: { kind: "host", host: "any" } }),
    ]);
    expect(groupMatrix(rules, ["web"], noCounts).cells.web?.web).toEqual(["tcp/24-25"]);
  });

  it("drops repeated group names", () => {
    expect(groupMatrix([], ["web", "web"], { web: 2 })).toEqual({ groups: ["web"], cells: { web: { web: [] } }, activeHosts: { web: 2 } });
  });
});

describe("groupMatrix and node state", () => {
  const rules = stored([allowAllOutbound, input({ direction: "inbound", proto: "tcp", port: "443", peer: { kind: "group", group: "web" } })]);

  it("counts a group left out of activeHosts as having no active host", () => {
    expect(groupMatrix(rules, ["web", "db"], { web: 3 }).activeHosts).toEqual({ web: 3, db: 0 });
  });

  it("keeps what the rules allow but marks every pair touching a group with no active host as idle", () => {
    const matrix = groupMatrix(rules, ["web", "db", "ops"], { web: 2, db: 0, ops: 1 });
    expect(matrix.cells.web?.db).toEqual(["tcp/443"]);
    expect(pairIsIdle(matrix, "web", "db")).toBe(true);
    expect(pairIsIdle(matrix, "db", "web")).toBe(true);
    expect(pairIsIdle(matrix, "db", "db")).toBe(true);
    expect(pairIsIdle(matrix, "web", "ops")).toBe(false);
    expect(pairIsIdle(matrix, "ops", "ops")).toBe(false);
  });

  it("leaves the labels the same whatever the counts", () => {
    expect(groupMatrix(rules, ["web", "db"], {}).cells).toEqual(groupMatrix(rules, ["web", "db"], { web: 5, db: 5 }).cells);
  });
});

/** Whether the matrix labels admit `query`, read back the way a person would read them. */
function labelsAdmit(labels: string[], query: Query): boolean {
  return labels.some((label) => {
    if (label === "any") return true;
    if (label === "icmp") return query.proto === "icmp";
    const [proto, ports = ""] = label.split("/");
    if (proto !== query.proto) return false;
    if (ports === "any") return true;
    const [from = NaN, to = from] = ports.split("-").map(Number);
    return from <= query.port && query.port <= to;
  });
}

describe("groupMatrix, property-based", () => {
  const groups = ["web", "db", "app"];
  const groupArb = fc.constantFrom(...groups);
  const ruleArb: fc.Arbitrary<RuleInput> = fc
    .record({
      direction: fc.constantFrom<RuleInput["direction"]>("inbound", "outbound"),
      proto: fc.constantFrom<Protocol>("any", "tcp", "udp", "icmp"),
      port: fc.constantFrom("any", "fragment", "22", "443", "440-450", "1-1024", "8000-8100", "1-65535"),
      peer: fc.oneof(
        fc.constant<RuleInput["peer"]>({ kind: "any" }),
        groupArb.map((group): RuleInput["peer"] => ({ kind: "group", group })),
        fc.uniqueArray(groupArb, { minLength: 2, maxLength: 2 }).map((pair): RuleInput["peer"] => ({ kind: "groups", groups: pair })),
      ),
      appliesTo: fc.oneof(fc.constant<RuleInput["appliesTo"]>({ kind: "all" }), groupArb.map((group): RuleInput["appliesTo"] => ({ kind: "group", group }))),
    })
    .map((rule) => ({ ...rule, port: rule.proto === "icmp" ? "any" : rule.port, description: "" }));
  const queryArb: fc.Arbitrary<Query> = fc.oneof(
    fc.record({ proto: fc.constantFrom<"tcp" | "udp">("tcp", "udp"), port: fc.oneof(fc.constantFrom(1, 22, 439, 440, 450, 451, 1024, 1025, 8000, 8100, 8101, 65535), fc.integer({ min: 1, max: 65535 })) }),
    fc.constant<Query>({ proto: "icmp", port: 0 }),
  );

  it("agrees with evaluate for single-group hosts", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 6 }), fc.boolean(), groupArb, groupArb, queryArb, (inputs, withOutbound, src, dst, query) => {
        const rules = stored(withOutbound ? [allowAllOutbound, ...inputs] : inputs);
        const labels = groupMatrix(rules, groups, noCounts).cells[src]?.[dst] ?? [];
        const allowed = evaluate(rules, { name: "", ip: "0.0.0.0", groups: [src] }, { name: "", ip: "0.0.0.0", groups: [dst] }, query).allowed;
        expect(labelsAdmit(labels, query)).toBe(allowed);
      }),
      { numRuns: 200 },
    );
  });
});
