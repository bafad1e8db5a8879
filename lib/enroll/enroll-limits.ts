/** How many enrollments a join token, and a client address, may attempt per minute. */

export const ENROLL_LIMITS = { perToken: 10, perAddress: 30, windowSeconds: 60 };

/**
 * The limits in force: the defaults, or NC_ENROLL_LIMIT_PER_TOKEN / NC_ENROLL_LIMIT_PER_ADDRESS
 * (per minute) for fleets that enroll many hosts at once, or from behind one NAT address.
 */
export function enrollLimits(env: Record<string, string | undefined> = process.env): typeof ENROLL_LIMITS {
  const perMinute = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if (!/^[1-9][0-9]{0,6}$/.test(raw)) throw new Error(`${name} must be a whole number of enrollments per minute (1 to 9999999), not "${raw}"`);
    return Number(raw);
  };
  return { perToken: perMinute("NC_ENROLL_LIMIT_PER_TOKEN", ENROLL_LIMITS.perToken), perAddress: perMinute("NC_ENROLL_LIMIT_PER_ADDRESS", ENROLL_LIMITS.perAddress), windowSeconds: ENROLL_LIMITS.windowSeconds };
}
