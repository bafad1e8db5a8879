/**
 * Slows down password guessing: after too many failures in a 15-minute window, sign-in for that
 * username (or from that address) is refused until the window ends. Counters live in Postgres.
 */
import { clearCounter, hitCounter, readCounter, secondsLeftInWindow } from "@/lib/ratelimit/rate-counter";

export const LOGIN_WINDOW_SECONDS = 15 * 60;
export const MAX_FAILURES_PER_USERNAME = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

export class LoginThrottledError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed sign-in attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`);
  }
}

const userKey = (username: string) => `login:user:${username.toLowerCase()}`;
const addressKey = (address: string) => `login:ip:${address}`;

export async function assertLoginAllowed(username: string, address: string | null): Promise<void> {
  const [byUser, byAddress] = await Promise.all([
    readCounter(userKey(username), LOGIN_WINDOW_SECONDS),
    address ? readCounter(addressKey(address), LOGIN_WINDOW_SECONDS) : 0,
  ]);
  if (byUser >= MAX_FAILURES_PER_USERNAME || byAddress >= MAX_FAILURES_PER_ADDRESS) {
    throw new LoginThrottledError(secondsLeftInWindow(LOGIN_WINDOW_SECONDS));
  }
}

export async function recordLoginFailure(username: string, address: string | null): Promise<void> {
  await Promise.all([
    hitCounter(userKey(username), LOGIN_WINDOW_SECONDS),
    address ? hitCounter(addressKey(address), LOGIN_WINDOW_SECONDS) : Promise.resolve(0),
  ]);
}

export async function recordLoginSuccess(username: string): Promise<void> {
  await clearCounter(userKey(username), LOGIN_WINDOW_SECONDS);
}
