"use client";
import { Field } from "../../../../_components/form-controls";
import { NetworkSettingForm } from "./network-setting-form";

/** How often hosts ask for changes: the delay before a rule change, a block or a renewal reaches them. */
export function PollIntervalPanel({ networkId, pollSeconds, canEdit }: { networkId: string; pollSeconds: number; canEdit: boolean }) {
  return (
    <NetworkSettingForm
      networkId={networkId}
      title="Host poll interval"
      description={`Every host asks for changes this often (±10 %), so a change reaches all of them within one interval. A host that misses one and a half intervals shows as offline. Now: every ${pollSeconds} s.`}
      canEdit={canEdit}
      success="Poll interval saved"
      body={(form) => {
        const value = String(form.get("pollSeconds") ?? "").trim();
        return { pollSeconds: value === "" ? Number.NaN : Number(value) };
      }}
      fields={(errors) => <Field label="Seconds (5 to 3600)" name="pollSeconds" type="number" defaultValue={String(pollSeconds)} errors={errors.pollSeconds} />}
    />
  );
}
