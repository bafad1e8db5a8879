/** HTTP calls to the control plane, with timeouts. Errors carry the server's own message. */

export class ControlPlaneError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<ControlPlaneError> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string; fields?: Record<string, string[]> } } | null;
  const fields = body?.error?.fields ? ` (${Object.entries(body.error.fields).map(([k, v]) => `${k}: ${v.join(" ")}`).join("; ")})` : "";
  return new ControlPlaneError(`${body?.error?.message ?? `HTTP ${res.status}`}${fields}`, res.status);
}

export interface ConfigPayload {
  etag: string;
  revision: number;
  status: string;
  config: string;
  ca: string;
  certificate: string;
  renewalDue: boolean;
  pollSeconds: number;
}

export type PollOutcome = { kind: "unchanged" } | { kind: "pending" } | { kind: "config"; payload: ConfigPayload };

export async function enrollHost(server: string, body: { token: string; hostname: string; publicKeyPem: string }) {
  const res = await fetch(`${server}/api/v1/enroll`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as { nodeId: string; name: string; ip: string; status: "active" | "pending"; credential: string };
}

export async function pollConfig(server: string, credential: string, etag: string | null, dir: string): Promise<PollOutcome> {
  const res = await fetch(`${server}/api/v1/node/config?dir=${encodeURIComponent(dir)}`, {
    headers: { authorization: `Bearer ${credential}`, ...(etag ? { "if-none-match": etag } : {}) },
    signal: AbortSignal.timeout(20_000),
  });
  if (res.status === 304) return { kind: "unchanged" };
  if (res.status === 202) return { kind: "pending" };
  if (!res.ok) throw await errorOf(res);
  return { kind: "config", payload: (await res.json()) as ConfigPayload };
}

export async function renewCertificate(server: string, credential: string, publicKeyPem: string) {
  const res = await fetch(`${server}/api/v1/node/renew`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: JSON.stringify({ publicKeyPem }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as { credential: string; certificate: string };
}
