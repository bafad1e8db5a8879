"use client";
import { useState } from "react";
import type { AssertionVerdict } from "@/lib/firewall/policy-evaluate";
import type { AssertionView } from "@/lib/firewall/policy-store";
import type { PolicySelector } from "@/lib/firewall/policy-schema";
import { apiCall } from "../../../../_components/api-client";
import { Pill } from "../../../../_components/badges";
import { DataTable } from "../../../../_components/data-table";
import { buttonClass, Field, FormError, secondaryButtonClass, SelectField, Spinner } from "../../../../_components/form-controls";
import { NodeCombobox } from "../../../../_components/node-combobox";
import { useToast } from "../../../../_components/toast";
import { useApiAction } from "../../../../_components/use-api-action";

interface Props {
  networkId: string;
  assertions: AssertionView[];
  groups: string[];
  canAdd: boolean;
  canRemove: boolean;
}

interface TestAnswer {
  passed: number;
  failed: number;
  verdicts: AssertionVerdict[];
}

/** Written out rather than toLocaleString: the server and the browser must render the same text. */
function testedAt(iso: string | null): string {
  return iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "";
}

function ResultPill({ passed }: { passed: boolean | null }) {
  if (passed === null) return <Pill tone="slate">not tested</Pill>;
  return passed ? <Pill tone="green">pass</Pill> : <Pill tone="red">fail</Pill>;
}

export function PolicyPanel({ networkId, assertions, groups, canAdd, canRemove }: Props) {
  const toast = useToast();
  const test = useApiAction();
  const row = useApiAction();
  const [adding, setAdding] = useState(false);
  const base = `/api/v1/networks/${networkId}/policy`;

  async function testNow() {
    await test.run(
      async () => {
        const answer = await apiCall<TestAnswer>("POST", `${base}/test`);
        const total = answer.passed + answer.failed;
        if (total === 0) toast("info", "No assertions to test yet");
        else if (answer.failed === 0) toast("success", total === 1 ? "The assertion passes" : `All ${total} assertions pass`);
        else toast("error", `${answer.failed} of ${total} fail: ${answer.verdicts.filter((v) => !v.passed).map((v) => v.assertion).join("; ")}`);
        return answer;
      },
      { toastErrors: true },
    );
  }

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="max-w-3xl space-y-1">
          <h2 className="text-lg font-medium">Policy tests</h2>
          <p className="text-sm text-slate-500 dark:text-slate-400">
            Assertions about what the firewall must keep allowing or denying. Every rule change is tested against them: a change that breaks one that passes is refused, unless an owner overrides it (audited). A group stands for a host holding only that group and for every node in it; &ldquo;allowed&rdquo; must hold for every pair, &ldquo;denied&rdquo; for none may get through.
          </p>
        </div>
        <div className="flex gap-2">
          {canAdd && !adding && (
            <button type="button" className={secondaryButtonClass} onClick={() => setAdding(true)}>
              Add assertion
            </button>
          )}
          <button type="button" className={buttonClass} onClick={testNow} disabled={test.busy} aria-busy={test.busy}>
            {test.busy && <Spinner />} {test.busy ? "Testing…" : "Test now"}
          </button>
        </div>
      </div>
      {adding && <AssertionForm networkId={networkId} groups={groups} onDone={() => setAdding(false)} />}
      <FormError message={row.error} />
      <DataTable
        label="policy assertions"
        rows={assertions}
        rowKey={(a) => a.id}
        searchText={(a) => `${a.text} ${a.description}`}
        empty={canAdd ? "No assertions yet. Add one, e.g. group web → group db tcp/5432 allowed." : "No assertions yet."}
        columns={[
          { header: "Result", cell: (a) => <ResultPill passed={a.last.passed} /> },
          {
            header: "Assertion",
            cell: (a) => (
              <div className="space-y-1" data-assertion={a.text}>
                <div className="flex flex-wrap items-center gap-2">
                  <code className="font-mono text-sm">{a.text.replace(/ (allowed|denied)$/, "")}</code>
                  <Pill tone={a.expect === "allowed" ? "sky" : "violet"}>{a.expect}</Pill>
                </div>
                {a.description && <p className="text-sm text-slate-600 dark:text-slate-300">{a.description}</p>}
                {a.last.detail && <p className="text-xs text-slate-500 dark:text-slate-400">{a.last.detail}</p>}
              </div>
            ),
          },
          { header: "Last tested", cell: (a) => <span className="whitespace-nowrap text-xs text-slate-500 dark:text-slate-400">{testedAt(a.last.testedAt)}</span> },
          {
            header: "",
            className: "text-right",
            cell: (a) =>
              canRemove && (
                <button
                  type="button"
                  className={secondaryButtonClass}
                  disabled={row.busy}
                  aria-label={`Delete assertion ${a.text}`}
                  onClick={() => row.run(() => apiCall("DELETE", `${base}/assertions/${a.id}`), { success: "Assertion deleted", toastErrors: true })}
                >
                  Delete
                </button>
              ),
          },
        ]}
      />
    </div>
  );
}

type SelectorKind = PolicySelector["kind"];

function SelectorFields({ networkId, side, label, groups, errors }: { networkId: string; side: "from" | "to"; label: string; groups: string[]; errors: (prefix: string) => string[] }) {
  const [kind, setKind] = useState<SelectorKind>("group");
  return (
    <div className="space-y-3">
      <SelectField
        label={label}
        name={`${side}Kind`}
        value={kind}
        onChange={(e) => setKind(e.target.value as SelectorKind)}
        options={[
          { value: "group", label: "a group" },
          { value: "host", label: "one node" },
          { value: "any", label: "any host" },
        ]}
      />
      {kind === "group" && <SelectField label={`${label} group`} name={`${side}Group`} defaultValue={groups[0]} errors={errors(side)} options={groups.map((g) => ({ value: g, label: g }))} />}
      {kind === "host" && <NodeCombobox networkId={networkId} label={`${label} node`} name={`${side}Host`} submit="name" errors={errors(side)} />}
    </div>
  );
}

function AssertionForm({ networkId, groups, onDone }: { networkId: string; groups: string[]; onDone: () => void }) {
  const toast = useToast();
  const { fields, error, busy, run } = useApiAction();
  const [proto, setProto] = useState("tcp");
  const errors = (prefix: string) => Object.entries(fields).filter(([k]) => k === prefix || k.startsWith(`${prefix}.`)).flatMap(([, v]) => v);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    const s = (k: string) => String(d.get(k) ?? "").trim();
    const selector = (side: "from" | "to") => {
      const kind = s(`${side}Kind`);
      return kind === "group" ? { kind, group: s(`${side}Group`) } : kind === "host" ? { kind, host: s(`${side}Host`) } : { kind: "any" };
    };
    const body = { from: selector("from"), to: selector("to"), proto, port: proto === "icmp" ? "any" : s("port") || "any", expect: s("expect"), description: s("description") };
    const answer = await run(() => apiCall<{ verdict: AssertionVerdict }>("POST", `/api/v1/networks/${networkId}/policy/assertions`, body));
    if (!answer) return;
    // Kept even when it fails today (write the test, then the rule), but said plainly.
    if (answer.verdict.passed) toast("success", "Assertion added: it passes");
    else toast("error", `Assertion added, but it fails now: ${answer.verdict.detail}`);
    onDone();
  }

  return (
    <form onSubmit={submit} noValidate aria-label="New assertion" className="grid gap-3 rounded-lg border border-indigo-200 bg-indigo-50/40 p-4 dark:border-indigo-900 dark:bg-indigo-950/30 md:grid-cols-3">
      <div className="md:col-span-3">
        <FormError message={error} />
      </div>
      <SelectorFields networkId={networkId} side="from" label="From" groups={groups} errors={errors} />
      <SelectorFields networkId={networkId} side="to" label="To" groups={groups} errors={errors} />
      <div className="space-y-3">
        <SelectField label="Protocol" name="proto" value={proto} onChange={(e) => setProto(e.target.value)} errors={fields.proto} options={["tcp", "udp", "icmp", "any"].map((p) => ({ value: p, label: p }))} />
        <Field label="Port" name="port" defaultValue="" placeholder="any" disabled={proto === "icmp"} errors={fields.port} hint="One port (5432) or any" />
      </div>
      <SelectField
        label="Expect"
        name="expect"
        defaultValue="allowed"
        errors={fields.expect}
        options={[
          { value: "allowed", label: "allowed" },
          { value: "denied", label: "denied" },
        ]}
      />
      <div className="md:col-span-2">
        <Field label="Description" name="description" errors={fields.description} placeholder="Why this must hold" />
      </div>
      <div className="flex justify-end gap-2 md:col-span-3">
        <button type="button" className={secondaryButtonClass} onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className={buttonClass} disabled={busy}>
          {busy && <Spinner />} Add assertion
        </button>
      </div>
    </form>
  );
}
