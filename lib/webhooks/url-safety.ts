/**
 * Server-side request forgery guard for webhook URLs. A webhook makes the server send requests to
 * an address an admin typed, so without this any network admin could reach the cloud metadata
 * service, the database or other internal services from inside the deployment.
 *
 * Checked twice: when the URL is saved (scheme, no credentials, no literal forbidden address), and
 * at every delivery after DNS resolution: every resolved address must be allowed, and the request
 * connects to the address that was checked (a `lookup` hook), so a name that resolves to a public
 * address when saved and to 127.0.0.1 later (DNS rebinding) is still refused.
 *
 * Operators who do want private receivers allow them with NC_WEBHOOK_ALLOW_PRIVATE=1 (every range
 * below except the metadata addresses) or NC_WEBHOOK_ALLOWED_CIDRS (a comma-separated list of
 * CIDRs, which may name a metadata address too).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/** Cloud instance metadata endpoints (AWS, GCP, Azure, OpenStack, Alibaba, AWS IPv6). */
const METADATA = ["169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "fd00:ec2::254/128"].map((c) => ipaddr.parseCIDR(c));

interface UrlPolicy {
  allowPrivate: boolean;
  allowed: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

export function urlPolicyFromEnv(env: Record<string, string | undefined> = process.env): UrlPolicy {
  const allowed = (env.NC_WEBHOOK_ALLOWED_CIDRS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((cidr) => {
      try {
        return ipaddr.parseCIDR(cidr);
      } catch {
        throw new Error(`NC_WEBHOOK_ALLOWED_CIDRS: ${cidr} is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)`);
      }
    });
  return { allowPrivate: env.NC_WEBHOOK_ALLOW_PRIVATE === "1" || env.NC_WEBHOOK_ALLOW_PRIVATE === "true", allowed };
}

function inRanges(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>): boolean {
  return ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

/** Why a webhook may not be sent to this IP address, or null when it may. */
export function addressProblem(ip: string, policy: UrlPolicy = urlPolicyFromEnv()): string | null {
  if (!ipaddr.isValid(ip)) return `${ip} is not an IP address`;
  // ::ffff:127.0.0.1 is 127.0.0.1.
  const address = ipaddr.process(ip);
  if (inRanges(address, policy.allowed)) return null;
  if (inRanges(address, METADATA)) return `${ip} is a cloud metadata address`;
  const range = address.range();
  if (range === "unicast") return null;
  if (policy.allowPrivate) return null;
  return `${ip} is a ${range} address; webhooks go to public addresses unless the operator allows private ones (NC_WEBHOOK_ALLOW_PRIVATE, NC_WEBHOOK_ALLOWED_CIDRS)`;
}

const LOCAL_NAMES = /(^|\.)(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)\.?$/i;

/**
 * What is wrong with a webhook URL as typed, or null. Names are resolved only at delivery time;
 * a literal address or a name that is loopback by definition is refused at once.
 */
export function urlSafetyProblem(value: string, policy: UrlPolicy = urlPolicyFromEnv()): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Enter a full URL, e.g. https://hooks.example.com/nebula";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Use an http:// or https:// URL";
  if (url.username || url.password) return "Leave credentials out of the URL: verify the signature instead";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!host) return "The URL needs a host name";
  if (ipaddr.isValid(host)) return addressProblem(host, policy);
  if (/^[\d.]+$/.test(host) || /^0x/i.test(host)) return "Write an IPv4 address in dotted decimal";
  if (LOCAL_NAMES.test(host)) return addressProblem("127.0.0.1", policy) ? `${host} is this server itself` : null;
  return null;
}

export class UnsafeAddressError extends Error {
  override name = "UnsafeAddressError";
}

/**
 * A `lookup` for http.request: resolves every address of the name, refuses the connection if any
 * one is forbidden, and hands the socket the first checked address, so what was checked is what
 * is connected to.
 */
export function guardedLookup(policy: UrlPolicy = urlPolicyFromEnv()): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family, hints: options.hints }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 4);
      const problem = addresses.length ? addresses.map((a) => addressProblem(a.address, policy)).find(Boolean) : `${hostname} has no address`;
      if (problem) return callback(new UnsafeAddressError(`${hostname}: ${problem}`), "", 4);
      const first = addresses[0]!;
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [first]);
      callback(null, first.address, first.family);
    });
  };
}
