/**
 * Whether a new bundle can be applied with SIGHUP or needs nebula restarted. Nebula reloads the
 * firewall, pki (same addresses), static_host_map, lighthouse hosts, relays, punchy and logging,
 * but not tun, listen, am_lighthouse, serve_dns, use_relays or cipher, and not a certificate whose networks
 * changed (see shared/reference/nebula.md).
 *
 * The server computes the "restart key" (a digest of exactly those parts) for every bundle it
 * sends, and both agents compare keys: one decision, made in one place, so the POSIX agent needs
 * no YAML parser and cannot drift from nc-agent.
 */
import { createHash } from "node:crypto";

export type ReloadAction = "none" | "reload" | "restart";

const NOT_RELOADABLE: Array<[string, ...string[]]> = [["tun"], ["listen"], ["lighthouse", "am_lighthouse"], ["relay", "use_relays"], ["cipher"]];

/**
 * Lighthouse DNS, read from nebula's source (dns_server.go and main.go, the same in 1.6.1 and
 * 1.10.3): `lighthouse.serve_dns` is read once at start (together with am_lighthouse), so turning
 * it on or off needs a restart. `lighthouse.dns.host`/`port` do have a reload callback, but it
 * shuts the listener down and starts the new one in a goroutine while the old goroutine's
 * deferred Shutdown acts on the same package-global server, so it may stop the new listener; a
 * failed bind is only logged. A restart is the one path that reliably ends with one listener on
 * the new address, so the whole DNS setting restarts nebula (only lighthouses carry it).
 *
 * These keys join the digest only when a config has them: a config without DNS keeps the key it
 * had before they existed, so upgrading the server restarts no host.
 */
const NOT_RELOADABLE_IF_PRESENT: Array<[string, ...string[]]> = [["lighthouse", "serve_dns"], ["lighthouse", "dns"]];

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

/**
 * A digest of what nebula cannot reload: the non-reloadable config keys and the certificate's networks.
 * `unsafeRoutesReloadable`: the host's nebula (1.9+) reloads tun.unsafe_routes on SIGHUP, so a
 * subnet route added or removed elsewhere need not restart it. The routes are then digested as an
 * empty list, which keeps the key of a config without routes exactly what it was.
 */
export function restartKeyOf(config: unknown, certNetworks: string[], opts: { unsafeRoutesReloadable?: boolean } = {}): string {
  const { parts, optional } = notReloadableText(config, opts.unsafeRoutesReloadable ?? false);
  // Exactly stable({ parts, networks, optional? }), keys in stable's order: the digest must never
  // change for a config whose parts did not (a changed key restarts every host).
  const networks = stable([...certNetworks].sort());
  const digested = optional === null ? `{"networks":${networks},"parts":${parts}}` : `{"networks":${networks},"optional":${optional},"parts":${parts}}`;
  return createHash("sha256").update(digested).digest("hex").slice(0, 16);
}

/**
 * The stable text of a config's parts that nebula cannot reload (null `optional` when it has none
 * of NOT_RELOADABLE_IF_PRESENT), kept per config object: nodes alike share one rendered config
 * object (render-node-config.ts), and writing the same text again for each of a woken fleet's
 * thousands of hosts was about 4% of a replica's CPU while a change spread (profiled). Rendered
 * configs are never changed after.
 */
function notReloadableText(config: unknown, unsafeRoutesReloadable: boolean): { parts: string; optional: string | null } {
  const memo = config && typeof config === "object" ? notReloadableTexts.get(config) : undefined;
  const slot = unsafeRoutesReloadable ? 1 : 0;
  const known = memo?.[slot];
  if (known) return known;
  const parts = NOT_RELOADABLE.map((path) => {
    const value = at(config, path);
    return unsafeRoutesReloadable && path[0] === "tun" && value && typeof value === "object" ? { ...value, unsafe_routes: [] } : value;
  });
  const optional = NOT_RELOADABLE_IF_PRESENT.map((path) => at(config, path));
  const text = { parts: stable(parts), optional: optional.every((v) => v === undefined) ? null : stable(optional) };
  if (config && typeof config === "object") {
    const texts = memo ?? [];
    texts[slot] = text;
    if (!memo) notReloadableTexts.set(config, texts);
  }
  return text;
}

const notReloadableTexts = new WeakMap<object, Array<{ parts: string; optional: string | null }>>();

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
