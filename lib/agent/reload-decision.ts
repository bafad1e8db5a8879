/**
 * Whether a config change can be applied with SIGHUP or needs nebula restarted. Nebula reloads the
 * firewall, pki (same IP), static_host_map, lighthouse hosts, relays, punchy and logging, but not
 * tun, listen, am_lighthouse, use_relays or cipher, and not a certificate whose IP changed.
 */
import { parse } from "yaml";

export type ReloadAction = "none" | "reload" | "restart";

const NOT_RELOADABLE: Array<[string, ...string[]]> = [["tun"], ["listen"], ["lighthouse", "am_lighthouse"], ["relay", "use_relays"], ["cipher"]];

function at(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface AppliedState {
  configYaml: string;
  /** The overlay IP (with prefix) the certificate carries. */
  certIp: string | null;
  caPem: string;
  certPem: string;
}

export function decideReload(before: AppliedState | null, after: AppliedState): ReloadAction {
  if (!before) return "restart";
  if (before.configYaml === after.configYaml && before.caPem === after.caPem && before.certPem === after.certPem) return "none";
  const a = parse(before.configYaml) as unknown;
  const b = parse(after.configYaml) as unknown;
  if (NOT_RELOADABLE.some((path) => !same(at(a, path), at(b, path)))) return "restart";
  if (before.certIp !== after.certIp) return "restart";
  return "reload";
}
