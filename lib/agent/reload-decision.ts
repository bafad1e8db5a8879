/**
 * Whether a new bundle can be applied with SIGHUP or needs nebula restarted. Nebula reloads the
 * firewall, pki (same addresses), static_host_map, lighthouse hosts, relays, punchy and logging,
 * but not tun, listen, am_lighthouse, use_relays or cipher, and not a certificate whose networks
 * changed (see shared/reference/nebula.md).
 *
 * The server computes the "restart key" (a digest of exactly those parts) for every bundle it
 * sends, and both agents compare keys: one decision, made in one place, so the POSIX agent needs
 * no YAML parser and cannot drift from nc-agent.
 */
import { createHash } from "node:crypto";

export type ReloadAction = "none" | "reload" | "restart";

const NOT_RELOADABLE: Array<[string, ...string[]]> = [["tun"], ["listen"], ["lighthouse", "am_lighthouse"], ["relay", "use_relays"], ["cipher"]];

function at(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** Stable JSON: object keys sorted, so equal configs give equal keys whatever the key order. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A digest of what nebula cannot reload: the non-reloadable config keys and the certificate's networks. */
export function restartKeyOf(config: unknown, certNetworks: string[]): string {
  const parts = NOT_RELOADABLE.map((path) => at(config, path));
  return createHash("sha256")
    .update(stable({ parts, networks: [...certNetworks].sort() }))
    .digest("hex")
    .slice(0, 16);
}

export interface BundleIdentity {
  /** The ETag of the bundle (config, CA and certificate together). */
  etag: string;
  restartKey: string;
}

/** `before` is what nebula runs now (null when it has never run here). */
export function decideReload(before: BundleIdentity | null, after: BundleIdentity): ReloadAction {
  if (!before) return "restart";
  if (before.etag === after.etag) return "none";
  return before.restartKey === after.restartKey ? "reload" : "restart";
}
