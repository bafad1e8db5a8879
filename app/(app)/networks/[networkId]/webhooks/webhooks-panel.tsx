"use client";
import { useState } from "react";
import { DEFAULT_EXPIRING_DAYS, WEBHOOK_EVENTS } from "@/lib/webhooks/event-types";
import type { listDeliveries, WebhookView } from "@/lib/webhooks/webhook-service";
import { apiCall } from "../../../../_components/api-client";
import { Pill } from "../../../../_components/badges";
import { CopyButton } from "../../../../_components/copy-button";
import { TableView } from "../../../../_components/data-table";
import { buttonClass, ChipPicker, dangerButtonClass, Field, FormError, secondaryButtonClass } from "../../../../_components/form-controls";
import { useApiAction } from "../../../../_components/use-api-action";

type Delivery = Awaited<ReturnType<typeof listDeliveries>>[number];

interface Props {
  networkId: string;
  webhooks: WebhookView[];
  deliveries: Record<string, Delivery[]>;
}

const statusTone = { delivered: "green", retrying: "amber", pending: "sky", failed: "red" } as const;

function SecretNotice({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <section className="space-y-3 rounded-lg border border-emerald-300 bg-emerald-50 p-5 dark:border-emerald-800 dark:bg-emerald-950" aria-label="Signing secret">
      <h2 className="font-medium">Copy the signing secret now: it is shown only once.</h2>
      <code data-testid="webhook-secret" className="block break-all rounded bg-white p-2 font-mono text-xs dark:bg-slate-900">
        {secret}
      </code>
      <div className="flex gap-2">
        <CopyButton text={secret} label="Copy secret" />
        <button className="text-sm underline" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

export function WebhooksPanel({ networkId, webhooks, deliveries }: Props) {
  const [secret, setSecret] = useState<string | null>(null);
  const base = `/api/v1/networks/${networkId}/webhooks`;
  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Each delivery is a signed POST (Standard Webhooks: <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>). Failed deliveries are retried with
        growing delays.
      </p>
      {secret && <SecretNotice secret={secret} onDone={() => setSecret(null)} />}
      <WebhookForm base={base} onSaved={(s) => s && setSecret(s)} />
      {webhooks.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">No webhooks yet.</p>}
      {webhooks.map((w) => (
        <WebhookCard key={w.id} base={base} webhook={w} deliveries={deliveries[w.id] ?? []} onSecret={setSecret} />
      ))}
    </div>
  );
}

function WebhookForm({ base, webhook, onSaved, onCancel }: { base: string; webhook?: WebhookView; onSaved: (secret?: string) => void; onCancel?: () => void }) {
  const { fields, error, busy, run } = useApiAction();
  const [open, setOpen] = useState(Boolean(webhook));
  const [events, setEvents] = useState<string[]>(webhook?.events ?? ["node.enrolled", "node.blocked"]);
  if (!open)
    return (
      <button className={buttonClass} onClick={() => setOpen(true)}>
        New webhook
      </button>
    );
  return (
    <form
      noValidate
      aria-label={webhook ? "Edit webhook" : "New webhook"}
      className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900 md:grid-cols-2"
      onSubmit={async (e) => {
        e.preventDefault();
        const d = new FormData(e.currentTarget);
        const s = (k: string) => String(d.get(k) ?? "").trim();
        const body = { url: s("url"), events, description: s("description"), expiringDays: s("expiringDays") ? Number(s("expiringDays")) : null };
        const result = await run(() => (webhook ? apiCall<object>("PATCH", `${base}/${webhook.id}`, body) : apiCall<{ secret: string }>("POST", base, body)), {
          success: webhook ? "Webhook saved" : "Webhook created",
        });
        if (result) {
          onSaved("secret" in result ? (result as { secret: string }).secret : undefined);
          if (!webhook) setOpen(false);
        }
      }}
    >
      <div className="md:col-span-2">
        <FormError message={error} />
      </div>
      <Field label="URL" name="url" type="url" placeholder="https://hooks.example.com/nebula" defaultValue={webhook?.url} errors={fields.url} hint="http(s) only; private and loopback addresses are refused unless the operator allows them." />
      <Field label="Description" name="description" placeholder="on-call alerts" defaultValue={webhook?.description} errors={fields.description} />
      <div className="md:col-span-2">
        <ChipPicker label="Events" name="events" options={[...WEBHOOK_EVENTS]} value={events} onChange={setEvents} errors={fields.events} />
      </div>
      <Field
        label="certificate.expiring: days ahead"
        name="expiringDays"
        type="number"
        min={1}
        max={365}
        defaultValue={webhook?.expiringDays ?? DEFAULT_EXPIRING_DAYS}
        errors={fields.expiringDays}
      />
      <div className="flex items-end gap-2">
        <button className={buttonClass} disabled={busy} type="submit">
          {webhook ? "Save" : "Create webhook"}
        </button>
        <button className={secondaryButtonClass} type="button" onClick={() => (onCancel ? onCancel() : setOpen(false))}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function WebhookCard({ base, webhook, deliveries, onSecret }: { base: string; webhook: WebhookView; deliveries: Delivery[]; onSecret: (s: string) => void }) {
  const action = useApiAction();
  const [editing, setEditing] = useState(false);
  const url = `${base}/${webhook.id}`;
  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" aria-label={`Webhook ${webhook.url}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <h2 className="break-all font-mono text-sm font-medium">{webhook.url}</h2>
          <p className="text-xs text-slate-600 dark:text-slate-400">
            {webhook.description || "no description"} · {webhook.events.join(", ")}
          </p>
        </div>
        <Pill tone={webhook.enabled ? "green" : "slate"}>{webhook.enabled ? "enabled" : "disabled"}</Pill>
      </div>
      <div className="flex flex-wrap gap-2">
        <button className={secondaryButtonClass} disabled={action.busy || !webhook.enabled} onClick={() => action.run(() => apiCall("POST", `${url}/test`), { success: "Test event queued", toastErrors: true })}>
          Send a test event
        </button>
        <button className={secondaryButtonClass} onClick={() => setEditing(!editing)}>
          Edit
        </button>
        <button
          className={secondaryButtonClass}
          disabled={action.busy}
          onClick={() => action.run(() => apiCall("PATCH", url, { enabled: !webhook.enabled }), { success: webhook.enabled ? "Webhook disabled" : "Webhook enabled", toastErrors: true })}
        >
          {webhook.enabled ? "Disable" : "Enable"}
        </button>
        <button
          className={secondaryButtonClass}
          disabled={action.busy}
          onClick={async () => {
            if (!window.confirm("Replace the signing secret? The old one stops working at once.")) return;
            const r = await action.run(() => apiCall<{ secret: string }>("POST", `${url}/rotate-secret`), { success: "Secret rotated", toastErrors: true });
            if (r) onSecret(r.secret);
          }}
        >
          Rotate secret
        </button>
        <button
          className={dangerButtonClass}
          disabled={action.busy}
          onClick={() => window.confirm("Delete this webhook and its delivery log?") && action.run(() => apiCall("DELETE", url), { success: "Webhook deleted", toastErrors: true })}
        >
          Delete
        </button>
      </div>
      {editing && <WebhookForm base={base} webhook={webhook} onSaved={() => setEditing(false)} onCancel={() => setEditing(false)} />}
      <TableView
        label={`deliveries of ${webhook.url}`}
        rows={deliveries}
        rowKey={(d) => d.id}
        nothing="No deliveries yet."
        columns={[
          { header: "Event", cell: (d) => <span className="font-mono text-xs">{d.eventType}</span> },
          { header: "Status", cell: (d) => <Pill tone={statusTone[d.status as keyof typeof statusTone] ?? "slate"}>{d.status}</Pill> },
          { header: "Code", cell: (d) => d.statusCode ?? "—" },
          { header: "Attempts", cell: (d) => d.attempts },
          { header: "Duration", cell: (d) => (d.durationMs === null ? "—" : `${d.durationMs} ms`) },
          { header: "Next retry", cell: (d) => (d.nextRetryAt ? new Date(d.nextRetryAt).toLocaleString() : "—") },
          { header: "Created", cell: (d) => new Date(d.createdAt).toLocaleString() },
          {
            header: "Details",
            cell: (d) => (
              <details>
                <summary className="cursor-pointer text-indigo-600 dark:text-indigo-400">request / response</summary>
                {d.error && <p className="mt-1 text-xs text-red-700 dark:text-red-300">{d.error}</p>}
                <pre className="mt-1 max-h-48 max-w-xl overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs dark:bg-slate-950">{d.requestExcerpt}</pre>
                <pre className="mt-1 max-h-48 max-w-xl overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs dark:bg-slate-950">{d.responseExcerpt || "(no response body)"}</pre>
              </details>
            ),
          },
          {
            header: "",
            className: "text-right",
            cell: (d) => (
              <button
                className={secondaryButtonClass}
                disabled={action.busy || !webhook.enabled}
                onClick={() => action.run(() => apiCall("POST", `${url}/deliveries/${d.id}/redeliver`), { success: "Redelivery queued", toastErrors: true })}
              >
                Redeliver
              </button>
            ),
          },
        ]}
      />
    </section>
  );
}
