/**
 * Known problems of Nebula versions that an administrator should hear about, by version range.
 * Pure and small on purpose: extend the table when a release fixes something that matters.
 */
import { compareNebulaVersions, parseNebulaVersion, type NebulaVersion } from "./nebula-versions";

export interface NebulaAdvisory {
  id: string;
  /** security: upgrade; behaviour: Nebula Commander works around it, but configs written by hand would not. */
  kind: "security" | "behaviour";
  title: string;
  /** Who is affected and what it means here. */
  detail: string;
  /** Affected from this version (inclusive) up to `fixedIn` (exclusive). */
  introducedIn: string;
  fixedIn: string;
  link: string;
}

export const NEBULA_ADVISORIES: readonly NebulaAdvisory[] = [
  {
    id: "p256-blocklist-bypass",
    kind: "security",
    title: "Blocklist bypass with P256 certificates",
    detail:
      "Before 1.10.3 a blocked P256 certificate could still be accepted under a second fingerprint (ECDSA signature malleability). It matters only for networks whose CA uses the P256 curve; Nebula Commander's CAs use Ed25519, Nebula's default. Upgrade to 1.10.3 or later.",
    introducedIn: "0.0.0",
    fixedIn: "1.10.3",
    link: "https://github.com/slackhq/nebula/releases/tag/v1.10.3",
  },
  {
    id: "action-direction-1798",
    kind: "behaviour",
    title: "inbound_action and outbound_action applied to the opposite direction",
    detail:
      "From 1.7.0 until 1.11.0 Nebula applied each firewall action key to the other direction. Nebula Commander writes the two keys swapped for these versions, so the network's drop/reject settings hold; a hand-written config would not.",
    introducedIn: "1.7.0",
    fixedIn: "1.11.0",
    link: "https://github.com/slackhq/nebula/issues/1798",
  },
];

const bound = (text: string) => parseNebulaVersion(text)!;

/** The advisories that affect `version` (none for a version that cannot be read). */
export function advisoriesFor(version: NebulaVersion | string | null): NebulaAdvisory[] {
  const v = typeof version === "string" ? parseNebulaVersion(version) : version;
  if (!v) return [];
  return NEBULA_ADVISORIES.filter((a) => compareNebulaVersions(v, bound(a.introducedIn)) >= 0 && compareNebulaVersions(v, bound(a.fixedIn)) < 0);
}
