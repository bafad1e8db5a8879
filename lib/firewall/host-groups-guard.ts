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
