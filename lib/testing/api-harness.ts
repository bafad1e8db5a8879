/**
 * Integration-test helpers: real users in the real database, real next-auth session cookies,
 * and route handlers called exactly as Next calls them. Nothing here is mocked.
 */
import { randomBytes } from "node:crypto";
import { encode } from "next-auth/jwt";
import { db } from "@/lib/db/client";
import { authSecret, sessionCookieName } from "@/lib/auth/auth-config";
import { csrfTokenFor } from "@/lib/auth/csrf";
import { createUserSession, type NewSession } from "@/lib/auth/user-sessions";
import { CLIENT_IP_HEADER } from "@/lib/core/client-ip";

export interface TestUser {
  id: string;
  email: string;
  displayName: string;
  cookie: string;
  csrf: string;
  /** The session's id (the `sid` in the cookie). */
  sid: string;
}

export async function createTestUser(opts: { systemRole?: "admin" | "user"; name?: string } = {}): Promise<TestUser> {
  const tag = randomBytes(4).toString("hex");
  const name = opts.name ?? `user-${tag}`;
  const user = await db.user.create({
    data: { issuer: "test", subject: `${name}-${tag}`, email: `${name}-${tag}@example.test`, displayName: name, systemRole: opts.systemRole ?? "user" },
  });
  return signIn({ id: user.id, email: user.email!, displayName: name });
}

/** A session cookie for the user, as a sign-in would mint it: the UserSession row and the JWT naming it. */
export async function signIn(user: { id: string; email: string; displayName: string }, session: Omit<NewSession, "userId"> = { provider: "test" }): Promise<TestUser> {
  const sid = await createUserSession({ ...session, userId: user.id });
  const token = await encode({ token: { uid: user.id, sid, provider: session.provider, name: user.displayName }, secret: authSecret() });
  return { ...user, cookie: `${sessionCookieName()}=${token}`, csrf: csrfTokenFor(sid), sid };
}

/** The same user signed in a second time (another browser): a second, independent session. */
export function signInAgain(user: TestUser): Promise<TestUser> {
  return signIn({ id: user.id, email: user.email, displayName: user.displayName });
}

type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface CallOptions {
  as?: TestUser | null;
  body?: unknown;
  rawBody?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Override the CSRF header: false leaves it out, a string sends that value. */
  csrf?: string | false;
  headers?: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on response fields directly
type Json = any;

export async function call(handler: RouteHandler, method: string, opts: CallOptions = {}): Promise<{ status: number; json: Json }> {
  const url = new URL("http://localhost/api/test");
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { [CLIENT_IP_HEADER]: "127.0.0.1", ...opts.headers };
  if (opts.as) {
    headers.cookie = opts.as.cookie;
    if (opts.csrf !== false) headers["x-csrf-token"] = opts.csrf ?? opts.as.csrf;
  }
  let body: string | undefined;
  if (opts.rawBody !== undefined || opts.body !== undefined) {
    body = opts.rawBody ?? JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await handler(new Request(url, { method, headers, body }), { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

let cidrCounter = 0;
/** A distinct private /24 per call, so that tests never trip over each other's overlap checks. */
export function freshCidr(): string {
  cidrCounter++;
  const n = (process.pid % 200) * 256 + cidrCounter;
  return `10.${(n >> 8) & 255}.${n & 255}.0/24`;
}

/** What an enrollment writes, counted per network: a refused one must leave every count as it was. */
export async function enrollmentCounts(networkId: string) {
  return {
    nodes: await db.node.count({ where: { networkId } }),
    leases: await db.lease.count({ where: { networkId } }),
    certs: await db.certificate.count({ where: { networkId } }),
    uses: await db.enrollUse.count({ where: { link: { networkId } } }),
    credentials: await db.nodeCredential.count({ where: { node: { networkId } } }),
  };
}
