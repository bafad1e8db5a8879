/**
 * HTTP calls to the control plane, with timeouts. Errors carry the server's own message and what
 * the agent must do about them (see answerKind in protocol.ts). Redirects are refused: a
 * credential is never sent anywhere but the origin the host enrolled with.
 */
import { ANSWER_HEADERS, answerKind, appliedWait, clampPollSeconds, LONG_POLL_MAX_SECONDS, PREFER_HEADER, PREFERENCE_APPLIED_HEADER, REPORT_HEADERS, type AnswerKind, type ConfigPayload, type NebulaState } from "./protocol";

export type { ConfigPayload };

export class ControlPlaneError extends Error {
  readonly kind: AnswerKind;
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.kind = answerKind(status);
  }
}

async function errorOf(res: Response): Promise<ControlPlaneError> {
  if (res.status >= 300 && res.status < 400) return new ControlPlaneError(`the server answered with a redirect (${res.status}); refusing to follow it`, res.status);
  const body = (await res.json().catch(() => null)) as { error?: { message?: string; fields?: Record<string, string[]> } } | null;
  const fields = body?.error?.fields ? ` (${Object.entries(body.error.fields).map(([k, v]) => `${k}: ${v.join(" ")}`).join("; ")})` : "";
  return new ControlPlaneError(`${body?.error?.message ?? `HTTP ${res.status}`}${fields}`, res.status);
}

/** https only, unless the user said --insecure-http (a lab, or a server on a trusted link). */
export function checkServerUrl(server: string, insecureHttp: boolean): void {
  const url = new URL(server);
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && insecureHttp) return;
  throw new Error(
    url.protocol === "http:"
      ? `${server} is plain http: the node's credential and certificates would cross the network unencrypted. Use the server's https URL, or pass --insecure-http if you accept that`
      : `${server} is not an http(s) URL`,
  );
}

const request = (url: string, init: RequestInit & { timeoutMs: number }) => fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(init.timeoutMs) });

/** `waited`: the server held the poll open (long polling) for that many seconds before saying "no change". */
export type PollOutcome = { kind: "unchanged"; pollSeconds: number; waited: number | null } | { kind: "pending"; pollSeconds: number; waited: number | null } | { kind: "config"; payload: ConfigPayload };

export interface Report {
  fetched: string | null;
  applied: string | null;
  nebula: NebulaState;
  nebulaVersion: string | null;
  agent: string;
  error: string | null;
}

/** A poll's report as request headers, exactly as both agents send it. */
export function reportHeaders(report: Report): Record<string, string> {
  return {
    ...(report.fetched ? { "if-none-match": report.fetched } : {}),
    [REPORT_HEADERS.applied]: report.applied ?? "none",
    [REPORT_HEADERS.nebula]: report.nebula,
    ...(report.nebulaVersion ? { [REPORT_HEADERS.nebulaVersion]: report.nebulaVersion } : {}),
    [REPORT_HEADERS.agent]: report.agent,
    [REPORT_HEADERS.error]: report.error ?? "",
  };
}

export async function enrollHost(server: string, body: { token: string; hostname: string; publicKeyPem: string }) {
  const res = await request(`${server}/api/v1/enroll`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), timeoutMs: 30_000 });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as { nodeId: string; networkName?: string; name: string; ip: string; status: "active" | "pending"; credential: string };
}

/** Asks the server to hold the poll until something changes (up to `waitSeconds`; 0 for a plain poll). */
export async function pollConfig(server: string, credential: string, dir: string, report: Report, waitSeconds = LONG_POLL_MAX_SECONDS): Promise<PollOutcome> {
  const res = await request(`${server}/api/v1/node/config?dir=${encodeURIComponent(dir)}`, {
    headers: { authorization: `Bearer ${credential}`, ...reportHeaders(report), ...(waitSeconds > 0 ? { [PREFER_HEADER]: `wait=${waitSeconds}` } : {}) },
    timeoutMs: 20_000 + waitSeconds * 1000,
  });
  const pollSeconds = clampPollSeconds(res.headers.get(ANSWER_HEADERS.pollSeconds));
  const waited = appliedWait(res.headers.get(PREFERENCE_APPLIED_HEADER));
  if (res.status === 304) return { kind: "unchanged", pollSeconds, waited };
  if (res.status === 202) return { kind: "pending", pollSeconds, waited };
  if (!res.ok) throw await errorOf(res);
  const payload = (await res.json()) as ConfigPayload;
  return { kind: "config", payload: { ...payload, pollSeconds: clampPollSeconds(payload.pollSeconds) } };
}

export async function renewCertificate(server: string, credential: string, publicKeyPem: string) {
  const res = await request(`${server}/api/v1/node/renew`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: JSON.stringify({ publicKeyPem }),
    timeoutMs: 30_000,
  });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as { credential: string; certificate: string };
}

/** Tells the server this host is being replaced: the old node is deleted (its certificate blocklisted). */
export async function retireNode(server: string, credential: string) {
  const res = await request(`${server}/api/v1/node/retire`, { method: "POST", headers: { authorization: `Bearer ${credential}` }, timeoutMs: 30_000 });
  if (!res.ok && res.status !== 410) throw await errorOf(res);
}
