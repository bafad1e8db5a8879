/**
 * Every change to the rules (and to the groups a node holds) is tested against the network's
 * policy assertions inside its own transaction, before it commits. A change that breaks an
 * assertion that held is refused with the assertion and the rule to blame, and nothing changes;
 * an owner may override, and the override is audited with the assertions it broke.
 *
 * Usage, inside the change's transaction:
 *   const guard = await policyGuard(tx, networkId, () => listRules(networkId, tx));
 *   ...make the change...
 *   await guard.check({ actor, meta, options, change: "deleting rule #3" });
 */
import { advisoryLock, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { AuditActor } from "@/lib/audit/record-audit";
import { recordAudit } from "@/lib/audit/record-audit";
import type { MemberRole } from "@/lib/auth/roles";
import { loadAssertionRows, loadPolicyHosts, toAssertionModel } from "./policy-data";
import { policyBreaks, type AssertionVerdict, type PolicyBreak, type PolicyHost } from "./policy-evaluate";
import type { FirewallRule } from "./rule-schema";

/** What the caller asked for, and may ask for. */
export interface PolicyOptions {
  /** `?overridePolicy=true`: apply even if assertions break. Only an owner's override counts. */
  override?: boolean;
  /** The caller's role in the network (AuthorizedNetwork.role). */
  role?: MemberRole | null;
}

export interface PolicyCheck {
  actor: AuditActor;
  meta: RequestMeta;
  options?: PolicyOptions;
  /** What the change is, for the refusal and the audit trail: 'deleting rule "inbound tcp/5432 …"'. */
  change: string;
  /** Set when the change touched which groups nodes hold, so the hosts are read again. */
  hostsChanged?: boolean;
  /**
   * Hosts that do not exist yet but would after the change: a join link's future host, with the
   * link's preset groups. They count in the world after the change only.
   */
  extraHosts?: PolicyHost[];
}

/**
 * One lock per network for every policy-checked change and every assertion write: two changes
 * that each keep every assertion on its own could together break one (write skew under READ
 * COMMITTED), so they are tested one after the other.
 */
export async function lockPolicy(tx: Tx, networkId: string): Promise<void> {
  await advisoryLock(tx, `policy:${networkId}`);
}

export async function policyGuard(tx: Tx, networkId: string, loadRules: () => Promise<FirewallRule[]>) {
  await lockPolicy(tx, networkId);
  const rows = await loadAssertionRows(tx, networkId);
  // A network without assertions pays one indexed query and nothing else.
  const before = rows.length ? { rules: await loadRules(), hosts: await loadPolicyHosts(tx, networkId) } : null;
  return {
    async check(check: PolicyCheck): Promise<AssertionVerdict[]> {
      if (!before) return [];
      const hosts: PolicyHost[] = [...(check.hostsChanged ? await loadPolicyHosts(tx, networkId) : before.hosts), ...(check.extraHosts ?? [])];
      const assertions = rows.map(toAssertionModel);
      const { breaks, verdicts } = policyBreaks(assertions, before, { rules: await loadRules(), hosts });
      if (breaks.length) await refuseOrOverride(tx, networkId, breaks, check);
      await storeVerdicts(tx, verdicts, rows);
      return verdicts;
    },
  };
}

async function refuseOrOverride(tx: Tx, networkId: string, breaks: PolicyBreak[], check: PolicyCheck): Promise<void> {
  const names = breaks.map((b) => `"${b.verdict.assertion}"`).join(", ");
  const fields = { policy: breaks.map((b) => b.message) };
  if (!check.options?.override) {
    throw new AppError(
      "policy_violation",
      `Refused: ${check.change} breaks ${breaks.length === 1 ? "policy assertion" : `${breaks.length} policy assertions`} ${names}. ${breaks.map((b) => b.message).join(" ")} Nothing was changed.`,
      fields,
    );
  }
  // Checked here rather than up front: asking to override is harmless until there is something to override.
  if (check.options.role !== "owner") {
    throw new AppError("forbidden", `Only an owner can override policy tests; ${check.change} breaks ${names}. Nothing was changed.`, fields);
  }
  await recordAudit(tx, {
    actor: check.actor,
    action: "policy.override",
    networkId,
    target: { type: "network", id: networkId },
    after: { change: check.change, broken: breaks.map((b) => ({ assertionId: b.assertion.id, assertion: b.verdict.assertion, detail: b.verdict.detail, cause: b.cause })) },
    meta: check.meta,
  });
}

/** The badges show the last test; a checked change is a test, so its verdicts are kept (and roll back with it). */
export async function storeVerdicts(tx: Tx, verdicts: AssertionVerdict[], rows: Array<{ id: string; lastPassed: boolean | null; lastDetail: string | null }>): Promise<void> {
  const now = new Date();
  for (const verdict of verdicts) {
    const row = rows.find((r) => r.id === verdict.assertionId);
    if (row && row.lastPassed === verdict.passed && row.lastDetail === verdict.detail) continue;
    await tx.policyAssertion.update({ where: { id: verdict.assertionId }, data: { lastPassed: verdict.passed, lastDetail: verdict.detail, lastTestedAt: now } });
  }
}
