"use client";
import { Field } from "../../../../_components/form-controls";
import { NetworkSettingForm } from "./network-setting-form";

/**
 * The network's IPv6 range (dual-stack). It can be added to a v2 network that has none; every host
 * is then re-signed with its IPv6 address and picks it up on its next poll. Once set it is fixed,
 * and v1 networks (which may hold Nebula 1.6 hosts) say why they stay IPv4.
 */
export function Ipv6RangePanel({ networkId, cidr6, ipv6Only = false, blockedReason, canEdit }: { networkId: string; cidr6: string | null; ipv6Only?: boolean; blockedReason: string | null; canEdit: boolean }) {
  const numbering = ipv6Only ? "This network is IPv6-only: each host's address is the range's base plus its host number." : "Each host's IPv6 address is the range's base plus its IPv4 host number.";
  const description = cidr6
    ? `Now: ${cidr6}. ${numbering} The range cannot be changed or removed: every host's certificate carries an address from it.`
    : blockedReason
      ? `None. ${blockedReason}.`
      : "None. Adding one gives every host an IPv6 address derived from its IPv4 one (10.42.0.5 becomes <range>::5): each host is re-signed now and restarts Nebula with its new certificate on its next poll. Once set, the range cannot be changed or removed.";
  return (
    <NetworkSettingForm
      networkId={networkId}
      title="IPv6 range"
      testId="ipv6-range-panel"
      description={description}
      canEdit={canEdit && !cidr6 && !blockedReason}
      success="IPv6 range added; hosts re-signed"
      body={(form) => ({ cidr6: String(form.get("cidr6") ?? "").trim() })}
      fields={(errors) => <Field label="IPv6 range" name="cidr6" placeholder="fd42:abcd:1234::/64" errors={errors.cidr6} hint="Unique local (fd00::/8) or a global range you own, /48 to /112" />}
    />
  );
}
