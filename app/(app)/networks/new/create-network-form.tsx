"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiCall, ApiCallError, type FieldErrors } from "../../../_components/api-client";
import { buttonClass, Field, FormError, SelectField, Spinner } from "../../../_components/form-controls";
import { useToast } from "../../../_components/toast";

export function CreateNetworkForm({ suggestedCidr, supportsV2 }: { suggestedCidr: string; supportsV2: boolean }) {
  const router = useRouter();
  const toast = useToast();
  const [cidr, setCidr] = useState(suggestedCidr);
  const [fields, setFields] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [askPublic, setAskPublic] = useState(false);
  const [certVersion, setCertVersion] = useState("1");

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setFields({});
    setFormError(null);
    try {
      const { network } = await apiCall<{ network: { id: string; name: string } }>("POST", "/api/v1/networks", {
        name: String(data.get("name") ?? ""),
        cidr: String(data.get("cidr") ?? ""),
        description: String(data.get("description") ?? ""),
        confirmPublicRange: data.get("confirmPublicRange") === "on",
        caName: String(data.get("caName") ?? ""),
        caDurationDays: Number(data.get("caDurationDays") ?? 730),
        certVersion: Number(data.get("certVersion") ?? 1),
        nebulaTarget: String(data.get("nebulaTarget") ?? "1.6"),
        // A disabled field is left out of the form data: a v1 network has no IPv6 range.
        ...(String(data.get("cidr6") ?? "").trim() ? { cidr6: String(data.get("cidr6")).trim() } : {}),
      });
      toast("success", `Network “${network.name}” created`);
      router.push(`/networks/${network.id}`);
      router.refresh();
    } catch (err) {
      if (err instanceof ApiCallError && Object.keys(err.fields).length) {
        setFields(err.fields);
        if (err.fields.cidr?.some((m) => m.includes("public range"))) setAskPublic(true);
      } else {
        setFormError(err instanceof Error ? err.message : "Could not create the network");
      }
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-5 rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <FormError message={formError} />
      <Field label="Name" name="name" required maxLength={64} autoFocus errors={fields.name} placeholder="office" />
      <Field
        label="Address range (CIDR)"
        name="cidr"
        value={cidr}
        onChange={(e) => setCidr(e.target.value)}
        errors={fields.cidr}
        className="font-mono"
        hint={
          <>
            A private range from /8 to /30. Suggested:{" "}
            <button type="button" className="font-mono text-indigo-600 underline dark:text-indigo-400" onClick={() => setCidr(suggestedCidr)}>
              {suggestedCidr}
            </button>
            . Leave it empty for an IPv6-only network (v2 certificates and an IPv6 range, below).
          </>
        }
      />
      {askPublic && (
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="confirmPublicRange" className="mt-1" />
          <span>I know this is a public range and want to use it anyway.</span>
        </label>
      )}
      <Field label="Description" name="description" maxLength={500} errors={fields.description} placeholder="Optional" />
      <details className="rounded-md border border-slate-200 p-3 dark:border-slate-800" open={Boolean(fields.caName || fields.caDurationDays || fields.certVersion || fields.nebulaTarget || fields.cidr6)}>
        <summary className="cursor-pointer text-sm font-medium">Certificate authority and Nebula versions</summary>
        <div className="mt-3 grid gap-4 sm:grid-cols-2">
          <Field label="CA name" name="caName" placeholder="<network name> CA" errors={fields.caName} />
          <Field label="CA lifetime (days)" name="caDurationDays" type="number" defaultValue={730} min={30} max={3650} errors={fields.caDurationDays} />
          <SelectField
            label="Oldest Nebula on your nodes"
            name="nebulaTarget"
            defaultValue="1.6"
            errors={fields.nebulaTarget}
            options={[
              { value: "1.6", label: "1.6 (Debian bookworm)" },
              { value: "1.7", label: "1.7 – 1.9" },
              { value: "1.10", label: "1.10 or later" },
            ]}
          />
          <SelectField
            label="Certificate format"
            name="certVersion"
            defaultValue="1"
            onChange={(e) => setCertVersion(e.target.value)}
            errors={fields.certVersion}
            options={[
              { value: "1", label: "v1 (works with every version)" },
              ...(supportsV2 ? [{ value: "2", label: "v2 (needs 1.10 everywhere)" }] : []),
            ]}
          />
          <div className="sm:col-span-2">
            {/* Dual-stack: v2 only. The reason stays visible, since the field is disabled for v1 (issue 12 part 4). */}
            <Field
              label="IPv6 range (optional, dual-stack)"
              name="cidr6"
              placeholder="fd42:abcd:1234::/64"
              className="font-mono"
              disabled={certVersion !== "2"}
              errors={fields.cidr6}
              hint={
                <>
                  A unique local range such as fd42:abcd:1234::/64 (/48 to /112); each node gets the IPv6 twin of its IPv4 address. It needs v2 certificates and Nebula
                  1.10 on every node: a v1 certificate carries one IPv4 address, and Nebula 1.6 cannot read v2 certificates.
                  {!supportsV2 && " This server's nebula-cert is older than 1.10, so it cannot make v2 certificates."} It cannot be added later.
                </>
              }
            />
          </div>
        </div>
      </details>
      <div className="flex justify-end">
        <button type="submit" className={buttonClass} disabled={busy}>
          {busy && <Spinner />}
          {busy ? "Creating…" : "Create network"}
        </button>
      </div>
    </form>
  );
}
