/**
 * Policy assertions and hosts as the evaluator sees them, read from the database. Shared by the
 * assertion store and the rule-change guard; it imports nothing from rule-store.ts, which imports
 * the guard.
 */
import { db, type Tx } from "@/lib/db/client";
import { addressSpace, hostAddresses } from "@/lib/ipam/address-space";
import type { PolicyHost } from "./policy-evaluate";
import type { PolicyAssertion, PolicySelector } from "./policy-schema";

export const assertionInclude = {
  fromGroup: { select: { name: true } },
  toGroup: { select: { name: true } },
  fromNode: { select: { name: true } },
  toNode: { select: { name: true } },
} as const;

type AssertionRow = Awaited<ReturnType<typeof loadAssertionRows>>[number];

export function loadAssertionRows(client: Pick<Tx, "policyAssertion">, networkId: string) {
  return client.policyAssertion.findMany({ where: { networkId }, include: assertionInclude, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

function selectorOf(kind: AssertionRow["fromKind"], group: { name: string } | null, node: { name: string } | null): PolicySelector {
  if (kind === "group") return { kind: "group", group: group?.name ?? "" };
  if (kind === "host") return { kind: "host", host: node?.name ?? "" };
  return { kind: "any" };
}

export function toAssertionModel(row: AssertionRow): PolicyAssertion {
  return {
    id: row.id,
    from: selectorOf(row.fromKind, row.fromGroup, row.fromNode),
    to: selectorOf(row.toKind, row.toGroup, row.toNode),
    proto: row.proto,
    port: row.port === null ? "any" : String(row.port),
    expect: row.expect,
    description: row.description,
  };
}

/** The last stored test result, shown as the badge until the next test. */
export interface LastResult {
  passed: boolean | null;
  detail: string | null;
  testedAt: string | null;
}

export function lastResultOf(row: Pick<AssertionRow, "lastPassed" | "lastDetail" | "lastTestedAt">): LastResult {
  return { passed: row.lastPassed, detail: row.lastDetail, testedAt: row.lastTestedAt?.toISOString() ?? null };
}

/** Every node with the groups and address its certificate carries (or will carry once signed). */
export async function loadPolicyHosts(client: Pick<Tx, "node" | "network"> = db, networkId: string): Promise<PolicyHost[]> {
  // One after the other: `client` may be a transaction, which runs one query at a time.
  const network = await client.network.findUniqueOrThrow({ where: { id: networkId }, select: { cidr: true, cidr6: true } });
  const rows = await client.node.findMany({
    where: { networkId },
    select: { id: true, name: true, lease: { select: { address: true } }, groups: { select: { group: { select: { name: true } } } } },
  });
  const space = addressSpace(network);
  return rows.map((row) => {
    // Derived like the node view's, so IPv6 CIDR rules are judged as the hosts' nebula judges them.
    const addresses = row.lease ? hostAddresses(space, row.lease.address) : null;
    return { id: row.id, name: row.name, ip: addresses?.ip ?? null, ip6: addresses?.ip6 ?? null, groups: row.groups.map((g) => g.group.name) };
  });
}
