import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db/client";
import * as passwordHash from "./password-hash";
import { LOCAL_ISSUER, verifyLocalLogin } from "./local-accounts";
import { FREE_ATTEMPTS_PER_PAIR, LoginThrottledError, MAX_ATTEMPTS_PER_ADDRESS } from "./login-throttle";

const PASSWORD = "correct horse battery";
let username: string;

/** A fresh random address per use, so counters never leak between tests or runs (they live in Postgres). */
const address = () => `10.${[...randomBytes(3)].join(".")}`;
const tag = () => randomBytes(4).toString("hex");

async function localUser(): Promise<string> {
  const name = `throttle-${tag()}`;
  await db.user.create({
    data: { issuer: LOCAL_ISSUER, subject: name, displayName: name, email: `${name}@example.test`, passwordHash: await hash(PASSWORD, { memoryCost: 19456, timeCost: 2, parallelism: 1 }) },
  });
  return name;
}

/** What one attempt came to: a user, a refusal after checking the password, or throttled before checking it. */
async function attempt(name: string, password: string, from: string | null): Promise<"ok" | "wrong" | "throttled"> {
  try {
    return (await verifyLocalLogin(name, password, from)) ? "ok" : "wrong";
  } catch (error) {
    if (error instanceof LoginThrottledError) return "throttled";
    throw error;
  }
}

beforeAll(async () => {
  username = await localUser();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("login throttle", () => {
  it("does not let a stranger lock a user out: 20 failures from A leave B free", async () => {
    const attacker = address();
    for (let i = 0; i < 20; i++) await attempt(username, `wrong-${i}`, attacker);
    expect(await attempt(username, PASSWORD, address())).toBe("ok");
  });

  it("lets parallel guesses from one address verify at most the free attempts", async () => {
    const name = await localUser();
    const verify = vi.spyOn(passwordHash, "verifyPassword");
    const from = address();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(name, `wrong-${i}`, from)));
    expect(outcomes.filter((o) => o === "wrong").length).toBeLessThanOrEqual(FREE_ATTEMPTS_PER_PAIR);
    expect(outcomes.filter((o) => o === "throttled").length).toBeGreaterThanOrEqual(20 - FREE_ATTEMPTS_PER_PAIR);
    expect(verify).toHaveBeenCalledTimes(outcomes.filter((o) => o === "wrong").length);
  });

  it("delays further attempts progressively once the free ones are used, then allows one after the delay", async () => {
    const name = await localUser();
    const from = address();
    for (let i = 0; i < FREE_ATTEMPTS_PER_PAIR; i++) expect(await attempt(name, "wrong", from)).toBe("wrong");
    const refused = await verifyLocalLogin(name, PASSWORD, from).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LoginThrottledError);
    expect((refused as LoginThrottledError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Wind the clock back rather than sleeping: the delay has passed.
    await db.rateBackoff.updateMany({ where: { key: { contains: name } }, data: { blockedUntil: new Date(Date.now() - 1000) } });
    expect(await attempt(name, PASSWORD, from)).toBe("ok");
    // Success forgets the failures: the next mistake is free again.
    expect(await attempt(name, "wrong", from)).toBe("wrong");
  });

  it("bars one address that tries many usernames", async () => {
    const from = address();
    const outcomes: string[] = [];
    for (let i = 0; i < MAX_ATTEMPTS_PER_ADDRESS + 1; i++) outcomes.push(await attempt(`nobody-${tag()}`, "x", from));
    expect(outcomes.slice(0, MAX_ATTEMPTS_PER_ADDRESS).every((o) => o === "wrong")).toBe(true);
    expect(outcomes[MAX_ATTEMPTS_PER_ADDRESS]).toBe("throttled");
    // ...while the same user from another address is unaffected.
    expect(await attempt(username, PASSWORD, address())).toBe("ok");
  });

  it("treats addresses in one IPv6 /64 as one address", async () => {
    const name = await localUser();
    const prefix = `2001:db8:${randomBytes(2).toString("hex")}`;
    const outcomes: string[] = [];
    for (let i = 1; i <= FREE_ATTEMPTS_PER_PAIR + 1; i++) outcomes.push(await attempt(name, "wrong", `${prefix}:1::${i.toString(16)}`));
    expect(outcomes.at(-1)).toBe("throttled");
    expect(await attempt(name, PASSWORD, `${prefix}:2::1`)).toBe("ok");
  });
});

describe("username timing", () => {
  it("runs exactly one argon2 verification whether or not the user exists or has a password", async () => {
    const verify = vi.spyOn(passwordHash, "verifyPassword");
    const passwordless = `nopw-${tag()}`;
    await db.user.create({ data: { issuer: LOCAL_ISSUER, subject: passwordless, displayName: passwordless } });
    expect(await attempt(username, "wrong", address())).toBe("wrong");
    expect(verify).toHaveBeenCalledTimes(1);
    expect(await attempt(`ghost-${tag()}`, "wrong", address())).toBe("wrong");
    expect(verify).toHaveBeenCalledTimes(2);
    expect(await attempt(passwordless, "wrong", address())).toBe("wrong");
    expect(verify).toHaveBeenCalledTimes(3);
    expect(await attempt("not a valid name!", "wrong", address())).toBe("wrong");
    expect(verify).toHaveBeenCalledTimes(4);
  });

  it("the dummy hash has the same argon2id parameters as real ones", async () => {
    const { DUMMY_PASSWORD_HASH } = passwordHash;
    const real = await passwordHash.hashPassword("anything at all");
    const params = (h: string) => h.split("$").slice(1, 4).join("$");
    expect(params(DUMMY_PASSWORD_HASH)).toBe(params(real));
  });
});
