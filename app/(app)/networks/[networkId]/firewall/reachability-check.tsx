"use client";
import { useState } from "react";
import type { Reachability } from "@/lib/firewall/evaluate";
import { apiCall } from "../../../../_components/api-client";
import { buttonClass, Field, FormError, SelectField, Spinner } from "../../../../_components/form-controls";
import { NodeCombobox } from "../../../../_components/node-combobox";
import { useApiAction } from "../../../../_components/use-api-action";

type Verdict = Reachability["outbound"];

function VerdictLine({ label, verdict }: { label: string; verdict: Verdict }) {
  return (
    <li className="flex gap-2">
      <span className={`inline-flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-xs font-bold text-white ${verdict.allowed ? "bg-emerald-600" : "bg-red-600"}`} aria-label={verdict.allowed ? "allowed" : "denied"}>
        {verdict.allowed ? "✓" : "✕"}
      </span>
      <span>
        <strong>{label}:</strong> {verdict.allowed ? `allowed by rule “${verdict.rule.description || `${verdict.rule.direction} ${verdict.rule.proto}/${verdict.rule.port}`}”` : verdict.reason}
      </span>
    </li>
  );
}

/** "Can A reach B on tcp/443?" answered from the rules, naming the rule or the reason. Nodes are found by typing. */
export function ReachabilityCheck({ networkId, hasNodes }: { networkId: string; hasNodes: boolean }) {
  const { fields, error, busy, run } = useApiAction();
  const [proto, setProto] = useState("tcp");
  const [answer, setAnswer] = useState<Reachability | null>(null);

  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-lg font-medium">Can A reach B?</h2>
      {!hasNodes ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">Add nodes to check reachability.</p>
      ) : (
        <form
          noValidate
          className="grid gap-3 sm:grid-cols-4"
          onSubmit={async (e) => {
            e.preventDefault();
            const d = new FormData(e.currentTarget);
            const q = new URLSearchParams({ from: String(d.get("from")), to: String(d.get("to")), proto, port: proto === "icmp" ? "0" : String(d.get("port")) });
            const r = await run(() => apiCall<Reachability>("GET", `/api/v1/networks/${networkId}/reachability?${q}`), { refresh: false });
            setAnswer(r ?? null);
          }}
        >
          <NodeCombobox networkId={networkId} label="From" name="from" errors={fields.from} />
          <NodeCombobox networkId={networkId} label="To" name="to" errors={fields.to} />
          <SelectField label="Protocol" name="proto" value={proto} onChange={(e) => setProto(e.target.value)} options={["tcp", "udp", "icmp"].map((p) => ({ value: p, label: p }))} />
          <Field label="Port" name="port" defaultValue="443" disabled={proto === "icmp"} errors={fields.port} />
          <div className="sm:col-span-4 flex justify-end">
            <button className={buttonClass} disabled={busy}>
              {busy && <Spinner />} Check
            </button>
          </div>
        </form>
      )}
      <FormError message={error} />
      {answer && (
        <div role="status" data-testid="reachability-answer" className={`rounded-md border p-3 text-sm ${answer.allowed ? "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950" : "border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950"}`}>
          <p className="font-medium">{answer.summary}</p>
          {answer.blockedBy === "node-state" ? (
            // Both verdicts repeat the summary's reason here; the rules were never consulted.
            <p className="mt-2 text-slate-600 dark:text-slate-400">No tunnel can form, so neither node&apos;s firewall rules apply.</p>
          ) : (
            <ul className="mt-2 space-y-1">
              <VerdictLine label="Sender's outbound" verdict={answer.outbound} />
              <VerdictLine label="Receiver's inbound" verdict={answer.inbound} />
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
