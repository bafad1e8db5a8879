"use client";
import QRCode from "qrcode";
import { useEffect, useState } from "react";
import type { LinkView } from "@/lib/enroll/link-service";
import { apiCall } from "../../../../_components/api-client";
import { ExpiryText, Pill } from "../../../../_components/badges";
import { CopyButton } from "../../../../_components/copy-button";
import { DataTable } from "../../../../_components/data-table";
import { buttonClass, ChipPicker, Field, FormError, secondaryButtonClass, SelectField, Spinner } from "../../../../_components/form-controls";
import { useApiAction } from "../../../../_components/use-api-action";

interface Props {
  networkId: string;
  links: LinkView[];
  groups: string[];
  canEdit: boolean;
}

const stateTone = { active: "green", revoked: "red", expired: "slate", "used up": "slate" } as const;

function QrImage({ text }: { text: string }) {
  const [svg, setSvg] = useState("");
  useEffect(() => {
    void QRCode.toString(text, { type: "svg", margin: 1, width: 180 }).then(setSvg);
  }, [text]);
  return <div role="img" aria-label="QR code of the join link" className="h-[196px] w-[196px] rounded bg-white p-2" dangerouslySetInnerHTML={{ __html: svg }} />;
}

export function LinksPanel({ networkId, links, groups, canEdit }: Props) {
  const action = useApiAction();
  const [created, setCreated] = useState<{ joinUrl: string } | null>(null);
  const base = `/api/v1/networks/${networkId}/links`;
  return (
    <div className="space-y-6">
      {created && (
        <section className="space-y-3 rounded-lg border border-emerald-300 bg-emerald-50 p-5 dark:border-emerald-800 dark:bg-emerald-950" aria-label="New join link">
          <h2 className="font-medium">Join link created. Copy it now: it is shown only once.</h2>
          <div className="flex flex-wrap items-start gap-4">
            <QrImage text={created.joinUrl} />
            <div className="min-w-0 flex-1 space-y-2">
              <code data-testid="join-url" className="block break-all rounded bg-white p-2 font-mono text-xs dark:bg-slate-900">
                {created.joinUrl}
              </code>
              <div className="flex gap-2">
                <CopyButton text={created.joinUrl} label="Copy link" />
                <CopyButton text={`curl -fsSL ${created.joinUrl}/install.sh | sudo sh`} label="Copy Linux one-liner" />
              </div>
            </div>
          </div>
          <button className="text-sm underline" onClick={() => setCreated(null)}>
            Done
          </button>
        </section>
      )}
      {canEdit && <CreateLinkForm base={base} groups={groups} onCreated={setCreated} />}
      <FormError message={action.error} />
      <DataTable
        label="join links"
        rows={links}
        rowKey={(l) => l.id}
        searchText={(l) => `${l.description} ${l.presetGroups.join(" ")} ${l.state} ${l.uses.map((u) => u.nodeName).join(" ")}`}
        empty="No join links yet."
        columns={[
          { header: "Link", cell: (l) => <span className="font-medium">{l.description || "join link"}</span> },
          { header: "State", cell: (l) => <Pill tone={stateTone[l.state]}>{l.state}</Pill> },
          { header: "Uses", cell: (l) => `${l.usedCount} / ${l.maxUses ?? "∞"}` },
          { header: "Groups", cell: (l) => l.presetGroups.join(", ") || "—" },
          { header: "Expires", cell: (l) => <ExpiryText iso={l.expiresAt} /> },
          {
            header: "Enrolled",
            cell: (l) =>
              l.uses.length ? (
                <details>
                  <summary className="cursor-pointer text-indigo-600 dark:text-indigo-400">{l.uses.length} host(s)</summary>
                  <ul className="mt-1 space-y-0.5 text-xs">
                    {l.uses.map((u) => (
                      <li key={u.at + u.nodeName}>
                        {u.nodeName} · {new Date(u.at).toLocaleString()} {u.clientIp ? `· ${u.clientIp}` : ""}
                      </li>
                    ))}
                  </ul>
                </details>
              ) : (
                "—"
              ),
          },
          {
            header: "",
            className: "text-right",
            cell: (l) =>
              canEdit && l.state === "active" ? (
                <button className={secondaryButtonClass} disabled={action.busy} onClick={() => action.run(() => apiCall("POST", `${base}/${l.id}/revoke`), { success: "Link revoked", toastErrors: true })}>
                  Revoke
                </button>
              ) : null,
          },
        ]}
      />
    </div>
  );
}

function CreateLinkForm({ base, groups, onCreated }: { base: string; groups: string[]; onCreated: (v: { joinUrl: string }) => void }) {
  const { fields, error, busy, run } = useApiAction();
  const [open, setOpen] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const [uses, setUses] = useState("single");
  const [lighthouse, setLighthouse] = useState(false);
  if (!open)
    return (
      <button className={buttonClass} onClick={() => setOpen(true)}>
        New join link
      </button>
    );
  return (
    <form
      noValidate
      aria-label="New join link"
      className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900 md:grid-cols-3"
      onSubmit={async (e) => {
        e.preventDefault();
        const d = new FormData(e.currentTarget);
        const s = (k: string) => String(d.get(k) ?? "").trim();
        const result = await run(
          () =>
            apiCall<{ joinUrl: string }>("POST", base, {
              description: s("description"),
              expiresInHours: Number(s("expiresInHours") || 24),
              maxUses: uses === "single" ? 1 : uses === "unlimited" ? null : Number(s("maxUses")),
              presetGroups: picked,
              requiresApproval: d.get("requiresApproval") === "on",
              isLighthouse: lighthouse,
              ...(lighthouse ? { endpoints: s("endpoints").split(/[\s,]+/).filter(Boolean), listenPort: Number(s("listenPort")) || null } : {}),
              ...(s("fixedName") ? { fixedName: s("fixedName") } : {}),
              ...(s("fixedIp") ? { fixedIp: s("fixedIp") } : {}),
            }),
          { success: "Join link created" },
        );
        if (result) {
          onCreated(result);
          setOpen(false);
        }
      }}
    >
      <div className="md:col-span-3">
        <FormError message={error} />
      </div>
      <Field label="Description" name="description" placeholder="laptops" errors={fields.description} />
      <Field label="Expires in (hours)" name="expiresInHours" type="number" defaultValue={24} min={1} max={720} errors={fields.expiresInHours} hint="At most 30 days (720 h)." />
      <div className="grid grid-cols-2 gap-2">
        <SelectField label="Uses" name="uses" value={uses} onChange={(e) => setUses(e.target.value)} options={[{ value: "single", label: "single use" }, { value: "n", label: "N uses" }, { value: "unlimited", label: "unlimited" }]} />
        {uses === "n" && <Field label="N" name="maxUses" type="number" defaultValue={5} min={1} errors={fields.maxUses} />}
      </div>
      <div className="md:col-span-3">
        <ChipPicker label="Preset groups" name="presetGroups" options={groups} value={picked} onChange={setPicked} errors={fields.presetGroups} />
      </div>
      <Field label="Fixed node name (optional)" name="fixedName" errors={fields.fixedName} />
      <Field label="Fixed IP (optional)" name="fixedIp" errors={fields.fixedIp} />
      <div className="space-y-2 pt-6 text-sm">
        <label className="flex items-center gap-2">
          <input type="checkbox" name="requiresApproval" /> Requires approval
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={lighthouse} onChange={(e) => setLighthouse(e.target.checked)} /> Lighthouse
        </label>
      </div>
      {lighthouse && (
        <>
          <Field label="Public endpoint (host:port)" name="endpoints" errors={fields.endpoints} />
          <Field label="Listen port" name="listenPort" type="number" defaultValue={4242} errors={fields.listenPort} />
        </>
      )}
      <div className="flex items-end justify-end gap-2 md:col-span-3">
        <button type="button" className={secondaryButtonClass} onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" className={buttonClass} disabled={busy}>
          {busy && <Spinner />} Create link
        </button>
      </div>
    </form>
  );
}
