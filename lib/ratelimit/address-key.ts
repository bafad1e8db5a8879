/** Rate-limit keys for client addresses. Every per-address limit builds its key here, so all of them group IPv6 by /64. */
import { rateLimitAddress } from "@/lib/core/client-ip";

/** `<scope>:ip:<address>`, the address as rate limits count it (see rateLimitAddress). */
export function addressLimitKey(scope: string, address: string | null): string {
  return `${scope}:ip:${address ? rateLimitAddress(address) : "unknown"}`;
}
