/**
 * What each Nebula version understands, for rendering a host the keys its own version reads.
 * Pure: the renderer, the poll path and the UI share it. The facts come from slackhq/nebula's
 * changelogs and source (docs in /work/shared/reference/nebula.md); every key a capability turns
 * on is checked against the real 1.6.1 and 1.10.3 in render-node-config.nebula.test.ts.
 */

export interface NebulaVersion {
  major: number;
  minor: number;
  patch: number;
}

/** What an agent reports: `nebula -version`'s "1.10.3", possibly with a v prefix or a build/pre-release suffix (Debian's "1.6.1+dfsg"). */
const VERSION_PATTERN = /^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?:[-+][0-9A-Za-z.+-]*)?$/;

/** The version in `text`, or null when it is not one (then the host counts as not reported). */
export function parseNebulaVersion(text: string | null | undefined): NebulaVersion | null {
  const match = VERSION_PATTERN.exec(text?.trim() ?? "");
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

export function formatNebulaVersion(v: NebulaVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

export function compareNebulaVersions(a: NebulaVersion, b: NebulaVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `v` is `major.minor.patch` or later. */
export function isAtLeast(v: NebulaVersion, major: number, minor: number, patch = 0): boolean {
  return compareNebulaVersions(v, { major, minor, patch }) >= 0;
}

/** The config keys and formats a version understands, and the quirks the renderer must work around. */
export interface NebulaCapabilities {
  /** firewall.inbound_action / outbound_action (1.7): drop or reject what no rule allows. 1.6 always drops. */
  firewallActions: boolean;
  /** A firewall rule's local_cidr (1.7): the rule covers only that local destination, e.g. a routed subnet. */
  localCidr: boolean;
  /**
   * 1.7.0 to 1.10.x applied inbound_action to outbound traffic and outbound_action to inbound
   * (slackhq/nebula#1798, fixed in 1.11.0): such hosts must be given the two keys swapped.
   */
  firewallActionsSwapped: boolean;
  /** pki.initiating_version (1.10): the certificate version a host offers first in handshakes. */
  initiatingVersion: boolean;
  /** firewall.default_local_cidr_any (1.10 changed its default to false). */
  defaultLocalCidrAny: boolean;
  /** v2 certificates and CAs (1.10); older versions cannot parse them at all. */
  v2Certificates: boolean;
  /** pki.disconnect_invalid is true without being written (1.8); we write it for every version anyway. */
  disconnectInvalidByDefault: boolean;
  /** tun.unsafe_routes is reloaded on SIGHUP (1.9); before, a route change needs a restart. */
  unsafeRoutesReload: boolean;
}

export function capabilitiesOf(v: NebulaVersion): NebulaCapabilities {
  const has17 = isAtLeast(v, 1, 7);
  return {
    firewallActions: has17,
    localCidr: has17,
    firewallActionsSwapped: has17 && !isAtLeast(v, 1, 11),
    initiatingVersion: isAtLeast(v, 1, 10),
    defaultLocalCidrAny: isAtLeast(v, 1, 10),
    v2Certificates: isAtLeast(v, 1, 10),
    disconnectInvalidByDefault: isAtLeast(v, 1, 8),
    unsafeRoutesReload: isAtLeast(v, 1, 9),
  };
}

/**
 * The versions whose configs look alike, for the config's header: it names the keys' generation,
 * not the exact version, so that a host's first report or a patch upgrade that needs no other keys
 * does not change its ETag (every change would make the host reload nebula and show as behind).
 */
export function configGenerationOf(c: NebulaCapabilities): string {
  if (!c.firewallActions) return "1.6";
  if (!c.initiatingVersion) return "1.7 to 1.9";
  return c.firewallActionsSwapped ? "1.10" : "1.11 and later";
}

/**
 * A short, stable key of what a version changes in a rendered body: hosts whose versions share it
 * get byte-identical bodies, so the body memo shares one render between them (1.10.2 and 1.10.3).
 */
export function capabilityKey(c: NebulaCapabilities): string {
  return [c.firewallActions, c.firewallActionsSwapped, c.initiatingVersion, c.defaultLocalCidrAny, c.v2Certificates].map((b) => (b ? "1" : "0")).join("");
}
