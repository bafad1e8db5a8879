/** What the network lab suites share: bounded waits, the app's API as a signed-in admin, and the join page's commands. */
import { readFileSync } from "node:fs";
import type { TestUser } from "@/lib/testing/api-harness";

export const APP_URL = (process.env.LAB_APP_URL ?? "").replace(/\/$/, "");

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `intervalMs` until it returns a value other than false/null/undefined, or the deadline passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | false | null | undefined>, opts: { timeoutMs: number; intervalMs?: number; diag?: () => string }): Promise<T> {
  const interval = opts.intervalMs ?? 300;
  const deadline = Date.now() + opts.timeoutMs;
  const maxTries = Math.ceil(opts.timeoutMs / interval) + 1;
  for (let i = 0; i < maxTries && Date.now() <= deadline; i++) {
    const value = await probe();
    if (value !== false && value !== null && value !== undefined) return value;
    await sleep(interval);
  }
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${opts.diag ? `\n${opts.diag()}` : ""}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are asserted field by field
export type Json = any;

export class Api {
  /** `base`: another app than the lab's (e.g. a second replica, or the lab's app on loopback). */
  constructor(
    private readonly user: TestUser,
    private readonly base = APP_URL,
  ) {}

  async call(method: string, route: string, body?: unknown): Promise<Json> {
    const headers: Record<string, string> = { cookie: this.user.cookie };
    if (method !== "GET") headers["x-csrf-token"] = this.user.csrf;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

/** The text of the join page's <pre data-command="id">, HTML entities undone: exactly what a person copies. */
export function commandFromPage(html: string, id: string): string {
  const m = new RegExp(`<pre data-command="${id}"[^>]*>([\\s\\S]*?)</pre>`).exec(html);
  if (!m) throw new Error(`the join page has no ${id} command`);
  return m[1]!.replace(/<!-- -->/g, "").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export async function joinPage(joinUrl: string): Promise<string> {
  const res = await fetch(joinUrl, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET ${joinUrl} answered ${res.status}`);
  return res.text();
}

/** Until the lab's app answers its health check. */
export async function waitForApp(): Promise<void> {
  await waitFor(`the app at ${APP_URL}`, async () => (await fetch(`${APP_URL}/api/health`, { signal: AbortSignal.timeout(3_000) }).catch(() => null))?.ok, { timeoutMs: 30_000, intervalMs: 500 });
}

/** The last `lines` lines of a log file, for failure messages ("(no file)" when there is none). */
export function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no file)";
  }
}
