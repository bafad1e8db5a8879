/** How many enrollments a join token, and a client address, may attempt per minute. */
import { wholeNumberOr, type Env } from "@/lib/core/whole-number-setting";

export const ENROLL_LIMITS = { perToken: 10, perAddress: 30, windowSeconds: 60 };

/**
 * The limits in force: the defaults, or NC_ENROLL_LIMIT_PER_TOKEN / NC_ENROLL_LIMIT_PER_ADDRESS
 * (per minute) for fleets that enroll many hosts at once, or from behind one NAT address.
 */
export function enrollLimits(env: Env = process.env): typeof ENROLL_LIMITS {
  const perMinute = (name: string, fallback: number) => wholeNumberOr(env, name, { unit: "enrollments per minute", min: 1, max: 9_999_999 }, fallback);
  return { perToken: perMinute("NC_ENROLL_LIMIT_PER_TOKEN", ENROLL_LIMITS.perToken), perAddress: perMinute("NC_ENROLL_LIMIT_PER_ADDRESS", ENROLL_LIMITS.perAddress), windowSeconds: ENROLL_LIMITS.windowSeconds };
}
