/**
 * Set-up shared by the HTTP benchmarks. Networks (with their CA) and join links are made in-process
 * through the app's own service layer, as an admin would through the UI; nodes join over HTTP
 * through POST /api/v1/enroll, exactly as agents do. Host key pairs come from `nebula-cert keygen`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { db } from "@/lib/db/client";
import { AGENT_VERSION, REPORT_HEADERS } from "@/lib/agent/protocol";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { Actor } from "@/lib/auth/session";
import { createLink } from "@/lib/enroll/link-service";
import { linkCreateSchema } from "@/lib/enroll/link-schemas";
import { createNetwork } from "@/lib/networks/network-service";
import { networkCreateSchema } from "@/lib/networks/network-schemas";
import { nebulaCert } from "@/lib/pki/nebula-cert";
import type { HttpClient, Answer } from "./http-client";
import { forEachParallel } from "./measure";

/** Join links last the longest the API allows, so that a slow machine never sees one expire mid-run. */
const LINK_HOURS = 720;
const KEYGEN_PARALLEL = 2;

export function benchMeta(): RequestMeta {
  return { requestId: randomUUID(), clientIp: null };
}

/** A system admin straight in the database; the service layer takes an Actor, not a session. */
export async function benchActor(): Promise<Actor> {
  const tag = randomBytes(4).toString("hex");
  const user = await db.user.create({
    data: { issuer: "bench", subject: `bench-${tag}`, email: `bench-${tag}@example.test`, displayName: `bench ${tag}`, systemRole: "admin" },
  });
  return { id: user.id, displayName: user.displayName, email: user.email, systemRole: "admin", sid: randomUUID() };
}

/** A network with its CA (v1, so that either nebula-cert can sign for it) and the default firewall rules. */
export async function benchNetwork(actor: Actor, name: string, cidr: string): Promise<{ id: string; cidr: string }> {
  const input = networkCreateSchema.parse({ name, cidr, certVersion: 1, nebulaTarget: "1.6" });
  const network = await createNetwork(actor, input, benchMeta());
  return { id: network.id, cidr };
}

/** Unlimited join links (null maxUses); several, because each token may enroll only 10 hosts a minute. */
export async function joinTokens(actor: Actor, network: { id: string; cidr: string | null; cidr6?: string | null }, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const input = linkCreateSchema.parse({ description: `bench link ${i}`, maxUses: null, expiresInHours: LINK_HOURS });
    tokens.push((await createLink(actor, { cidr6: null, ...network }, input, benchMeta())).token);
  }
  return tokens;
}

/** `count` host public keys from `nebula-cert keygen`, made before anything is timed. */
export async function publicKeys(count: number): Promise<string[]> {
  const runner = nebulaCert();
  const dir = await mkdtemp(path.join(tmpdir(), "nc-bench-keys-"));
  try {
    const keys = new Array<string>(count);
    await forEachParallel(count, KEYGEN_PARALLEL, async (i) => {
      const pub = path.join(dir, `${i}.pub`);
      await runner.run(["keygen", "-out-pub", pub, "-out-key", path.join(dir, `${i}.key`)], dir);
      keys[i] = await readFile(pub, "utf8");
    });
    return keys;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}


/**
 * A distinct client address per request (198.18.0.0/15, the benchmarking range). The app believes
 * X-Forwarded-For only because the bench starts it with TRUSTED_PROXIES=127.0.0.1/32.
 */
export function forwardedFor(index: number): string {
  return `198.18.${(index >> 8) & 255}.${index & 255}`;
}

export interface Enrolled {
  answer: Answer;
  credential: string | null;
}

/** POST /api/v1/enroll, as the agent's install script does it. */
export async function enrollOverHttp(client: HttpClient, input: { token: string; hostname: string; publicKeyPem: string; clientIndex: number }, startedAt?: number): Promise<Enrolled> {
  const body = JSON.stringify({ token: input.token, hostname: input.hostname, publicKeyPem: input.publicKeyPem });
  const answer = await client.send(
    { method: "POST", path: "/api/v1/enroll", body, keepBody: true, headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor(input.clientIndex) } },
    startedAt,
  );
  return { answer, credential: answer.status === 201 ? credentialFrom(answer.body) : null };
}

function credentialFrom(body: string): string | null {
  const parsed: unknown = JSON.parse(body);
  if (parsed && typeof parsed === "object" && "credential" in parsed && typeof parsed.credential === "string") return parsed.credential;
  return null;
}

/**
 * A poll as the agents send it (lib/agent/protocol.ts): the ETag held (as If-None-Match), and the host's report, as
 * a host whose nebula applied every bundle it fetched. Both agents report; a poll without a report
 * (an agent older than reports) takes a slower path that real fleets no longer exercise.
 */
export function pollSpec(credential: string, etag: string | null) {
  return {
    path: "/api/v1/node/config",
    headers: {
      authorization: `Bearer ${credential}`,
      ...(etag ? { "if-none-match": etag } : {}),
      [REPORT_HEADERS.applied]: etag ?? "none",
      [REPORT_HEADERS.nebula]: etag ? "running" : "stopped",
      [REPORT_HEADERS.nebulaVersion]: "1.10.3",
      [REPORT_HEADERS.agent]: `nc-agent/${AGENT_VERSION}`,
    },
  };
}
