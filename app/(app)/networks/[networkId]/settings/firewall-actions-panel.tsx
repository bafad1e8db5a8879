"use client";
import { SelectField } from "../../../../_components/form-controls";
import { NetworkSettingForm } from "./network-setting-form";

type Action = "drop" | "reject";
const options = [
  { value: "drop", label: "Drop (silently, Nebula's default)" },
  { value: "reject", label: "Reject (TCP reset / ICMP unreachable)" },
];

/** What each host's firewall does with traffic no rule allows, per direction. */
export function FirewallActionsPanel({ networkId, inbound, outbound, canEdit }: { networkId: string; inbound: Action; outbound: Action; canEdit: boolean }) {
  return (
    <NetworkSettingForm
      networkId={networkId}
      title="Traffic no rule allows"
      testId="firewall-actions-panel"
      description={`Dropping is quieter; rejecting makes a blocked connection fail at once instead of timing out. Hosts on Nebula 1.6 always drop. Hosts on 1.7 to 1.10 apply these keys to the opposite direction (a Nebula bug fixed in 1.11); their configs are written swapped, so every host does what is set here. Now: inbound ${inbound}, outbound ${outbound}.`}
      canEdit={canEdit}
      success="Firewall actions saved"
      body={(form) => ({ inboundAction: form.get("inboundAction"), outboundAction: form.get("outboundAction") })}
      fields={(errors) => (
        <>
          <SelectField label="Inbound" name="inboundAction" defaultValue={inbound} options={options} errors={errors.inboundAction} />
          <SelectField label="Outbound" name="outboundAction" defaultValue={outbound} options={options} errors={errors.outboundAction} />
        </>
      )}
    />
  );
}
