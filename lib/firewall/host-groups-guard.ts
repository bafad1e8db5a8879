/**
 * Policy tests for changes of which groups hosts hold: a node's groups, a new node, a join link's
 * preset groups, an enrollment. A host in another group can reach, or be reached by, other hosts
 * than before, just as after a rule change, so the same guard (policy-guard.ts) tests them.
 */
import type { Tx } from "@/lib/db/client";
import { policyGuard } from "./policy-guard";
import { listRules } from "./rule-store";

/**
 * For a change of which groups hosts hold (a node's groups, a new node, an enrollment): the same
 * guard as rule changes, with the rules as they stand. Call it before the change, then
 * `check({ ..., hostsChanged: true })` after it.
 */
export async function hostGroupsGuard(tx: Tx, networkId: string) {
  return policyGuard(tx, networkId, () => listRules(networkId, tx));
}

/**
 * The enrollment path's guard: it takes the policy lock only when the network has assertions, so
 * that enrollments into a network without any (most) stay parallel. The race this leaves open is
 * a host enrolling while the network's first assertion is being added: that assertion's badge may
 * then miss the host until the next test (the "test now" button, or any checked change).
 */
export async function enrollmentGuard(tx: Tx, networkId: string) {
  const any = await tx.policyAssertion.findFirst({ where: { networkId }, select: { id: true } });
  return any ? hostGroupsGuard(tx, networkId) : null;
}
