/**
 * Slows down password guessing without handing strangers a way to lock anyone out.
 *
 * - Per (username, address): a few attempts back to back, then each further one must wait
 *   2^(n - FREE_ATTEMPTS_PER_PAIR) s (capped). A success forgets them. Someone failing from their
 *   own address never delays the user signing in from another.
 * - Per address: at most MAX_ATTEMPTS_PER_ADDRESS failed attempts in a window, whatever the
 *   usernames (one address spraying many accounts).
 *
 * Every attempt is counted before the password is checked, in one atomic statement that also
 * decides, so parallel guesses get no more tries than sequential ones. Addresses are counted as
 * rate limits count them (an IPv6 address by its /64). State lives in Postgres, for every replica.
 */
import { addressLimitKey } from "@/lib/ratelimit/address-key";
import { clearAttempts, takeAttempt, type BackoffPolicy } from "@/lib/ratelimit/backoff";
import { hitCounter, releaseCounter, secondsLeftInWindow } from "@/lib/ratelimit/rate-counter";

export const FREE_ATTEMPTS_PER_PAIR = 3;
export const LOGIN_BACKOFF: BackoffPolicy = { freeAttempts: FREE_ATTEMPTS_PER_PAIR, maxDelaySeconds: 5 * 60, forgetAfterSeconds: 12 * 3600 };
export const ADDRESS_WINDOW_SECONDS = 15 * 60;
export const MAX_ATTEMPTS_PER_ADDRESS = 30;


export class LoginThrottledError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed sign-in attempts; try again in ${retryAfterSeconds} s`);
  }
}

const pairKey = (username: string, address: string | null) => addressLimitKey(`login:user:${username.toLowerCase()}`, address);
const addressKey = (address: string | null) => addressLimitKey("login", address);

export interface LoginAttempt {
  /** The password was right: forget this pair's failures and give back the address's count. */
  succeeded(): Promise<void>;
}

/** Counts a sign-in attempt, or throws LoginThrottledError before any password is checked. */
export async function beginLoginAttempt(username: string, address: string | null): Promise<LoginAttempt> {
  const fromAddress = await hitCounter(addressKey(address), ADDRESS_WINDOW_SECONDS);
  if (fromAddress > MAX_ATTEMPTS_PER_ADDRESS) throw new LoginThrottledError(secondsLeftInWindow(ADDRESS_WINDOW_SECONDS));
  const decision = await takeAttempt(pairKey(username, address), LOGIN_BACKOFF);
  if (!decision.allowed) throw new LoginThrottledError(decision.retryAfterSeconds);
  return {
    async succeeded() {
      await Promise.all([clearAttempts(pairKey(username, address)), releaseCounter(addressKey(address), ADDRESS_WINDOW_SECONDS)]);
    },
  };
}
