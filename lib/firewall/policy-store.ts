/**
 * Policy assertions in the database: list, add, change, delete, and "test now". Assertions name
 * groups and nodes by id (a renamed group stays asserted about; a group an assertion names cannot
 * be deleted), and this module maps them to and from the by-name model in policy-schema.ts.
 *
 * Who may do what: adding an assertion only narrows what later changes may do, so admins may; changing
 * or deleting one loosens the guard exactly as an override does, so only owners may (the routes
 * say so). Adding an assertion that fails today is allowed, and the answer says it fails: writing
 * the assertion first and then the rule that satisfies it is the way tests are written, and a
 * failing assertion never blocks unrelated changes (only changes that break a passing one are refused).
 */
import { db, type Tx } from "@/lib/db/client";
import { AppError, type FieldErrors } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { recordAudit } from "@/lib/audit/record-audit";
import { assertionInclude, lastResultOf, loadAssertionRows, loadPolicyHosts, toAssertionModel, type LastResult } from "./policy-data";
import { evaluatePolicy, type AssertionVerdict } from "./policy-evaluate";
import { lockPolicy, storeVerdicts } from "./policy-guard";
import { describeAssertion, type AssertionInput, type PolicyAssertion, type PolicySelector } from "./policy-schema";
import { listRules } from "./rule-store";

export interface AssertionView extends PolicyAssertion {
  /** describeAssertion's line, e.g. "group web → group db tcp/5432 allowed". */
  text: string;
  last: LastResult;
}

type AssertionRow = Awaited<ReturnType<typeof loadAssertionRows>>[number];

function toView(row: AssertionRow): AssertionView {
  const model = toAssertionModel(row);
  return { ...model, text: describeAssertion(model), last: lastResultOf(row) };
}

export async function listAssertions(networkId: string): Promise<AssertionView[]> {
  return (await loadAssertionRows(db, networkId)).map(toView);
}

async function resolveSelector(tx: Tx, networkId: string, selector: PolicySelector, field: "from" | "to", errors: FieldErrors) {
  if (selector.kind === "group") {
    const group = await tx.group.findUnique({ where: { networkId_name: { networkId, name: selector.group } }, select: { id: true } });
    if (!group) (errors[`${field}.group`] ??= []).push(`There is no group "${selector.group}" in this network`);
    return { kind: "group" as const, groupId: group?.id ?? null, nodeId: null };
  }
  if (selector.kind === "host") {
    const node = await tx.node.findUnique({ where: { networkId_name: { networkId, name: selector.host.toLowerCase() } }, select: { id: true } });
    if (!node) (errors[`${field}.host`] ??= []).push(`There is no node "${selector.host}" in this network`);
    return { kind: "host" as const, groupId: null, nodeId: node?.id ?? null };
  }
  return { kind: "any" as const, groupId: null, nodeId: null };
}

async function assertionData(tx: Tx, networkId: string, input: AssertionInput) {
  const errors: FieldErrors = {};
  const from = await resolveSelector(tx, networkId, input.from, "from", errors);
  const to = await resolveSelector(tx, networkId, input.to, "to", errors);
  if (from.nodeId && from.nodeId === to.nodeId) (errors["to.host"] ??= []).push("Pick another host: a host's traffic to itself never passes its firewall");
  if (Object.keys(errors).length) throw new AppError("validation_failed", "Some fields are not valid", errors);
  return {
    fromKind: from.kind,
    fromGroupId: from.groupId,
    fromNodeId: from.nodeId,
    toKind: to.kind,
    toGroupId: to.groupId,
    toNodeId: to.nodeId,
    proto: input.proto,
    port: input.port === "any" ? null : Number(input.port),
    expect: input.expect,
    description: input.description,
  };
}

/** Tests one stored assertion now and keeps the verdict, so the answer and the badge agree. */
async function testOne(tx: Tx, networkId: string, row: AssertionRow): Promise<AssertionVerdict> {
  const [rules, hosts] = [await listRules(networkId, tx), await loadPolicyHosts(tx, networkId)];
  const [verdict] = evaluatePolicy([toAssertionModel(row)], { rules, hosts });
  await storeVerdicts(tx, [verdict!], []);
  return verdict!;
}

async function findAssertion(tx: Tx, networkId: string, assertionId: string): Promise<AssertionRow> {
  const row = await tx.policyAssertion.findFirst({ where: { id: assertionId, networkId }, include: assertionInclude });
  if (!row) throw new AppError("not_found", "Assertion not found");
  return row;
}

export async function createAssertion(actor: Actor, networkId: string, input: AssertionInput, meta: RequestMeta): Promise<{ assertion: AssertionView; verdict: AssertionVerdict }> {
  return db.$transaction(async (tx) => {
    await lockPolicy(tx, networkId);
    const created = await tx.policyAssertion.create({ data: { networkId, ...(await assertionData(tx, networkId, input)) }, include: assertionInclude });
    const verdict = await testOne(tx, networkId, created);
    const row = await findAssertion(tx, networkId, created.id);
    const assertion = toView(row);
    await recordAudit(tx, { actor, action: "policy.create", networkId, target: { type: "policy", id: row.id, name: assertion.text }, after: { ...toAssertionModel(row), passed: verdict.passed }, meta });
    return { assertion, verdict };
  });
}

export async function updateAssertion(actor: Actor, networkId: string, assertionId: string, input: AssertionInput, meta: RequestMeta): Promise<{ assertion: AssertionView; verdict: AssertionVerdict }> {
  return db.$transaction(async (tx) => {
    await lockPolicy(tx, networkId);
    const before = toAssertionModel(await findAssertion(tx, networkId, assertionId));
    await tx.policyAssertion.update({ where: { id: assertionId }, data: await assertionData(tx, networkId, input) });
    const verdict = await testOne(tx, networkId, await findAssertion(tx, networkId, assertionId));
    const row = await findAssertion(tx, networkId, assertionId);
    const assertion = toView(row);
    await recordAudit(tx, { actor, action: "policy.update", networkId, target: { type: "policy", id: assertionId, name: assertion.text }, before, after: { ...toAssertionModel(row), passed: verdict.passed }, meta });
    return { assertion, verdict };
  });
}

export async function deleteAssertion(actor: Actor, networkId: string, assertionId: string, meta: RequestMeta): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockPolicy(tx, networkId);
    const before = toAssertionModel(await findAssertion(tx, networkId, assertionId));
    await tx.policyAssertion.delete({ where: { id: assertionId } });
    await recordAudit(tx, { actor, action: "policy.delete", networkId, target: { type: "policy", id: assertionId, name: describeAssertion(before) }, before, meta });
  });
}

export interface PolicyTestResult {
  testedAt: string;
  passed: number;
  failed: number;
  /** In the order the assertions are listed, each with the rules that decided it. */
  verdicts: AssertionVerdict[];
}

/** "Test now": every assertion against the rules and hosts as they are; the verdicts become the badges. */
export async function testPolicy(networkId: string): Promise<PolicyTestResult> {
  return db.$transaction(async (tx) => {
    await lockPolicy(tx, networkId);
    const rows = await loadAssertionRows(tx, networkId);
    const rules = await listRules(networkId, tx);
    const hosts = rows.length ? await loadPolicyHosts(tx, networkId) : [];
    const verdicts = evaluatePolicy(rows.map(toAssertionModel), { rules, hosts });
    // Every row is stamped, even when its verdict did not change: the badge says when it was last tested.
    await storeVerdicts(tx, verdicts, []);
    const passed = verdicts.filter((v) => v.passed).length;
    return { testedAt: new Date().toISOString(), passed, failed: verdicts.length - passed, verdicts };
  });
}
