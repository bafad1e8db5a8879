/**
 * The OpenAPI 3 document for /api/v1, generated from the same zod schemas the routes parse with.
 * Every route handler under app/api/v1 is listed here; openapi.int.test.ts fails if one is not.
 */
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV3 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { auditQuerySchema } from "@/lib/audit/audit-query";
import { auditExportQuerySchema } from "@/lib/audit/audit-export";
import { nodeQuerySchema } from "@/lib/nodes/node-query";
import { certificateQuerySchema } from "@/lib/pki/certificate-query";
import { rotationStartSchema, rotationStepSchema } from "@/lib/pki/ca-rotation";
import { ruleInputSchema } from "@/lib/firewall/rule-schema";
import { reachabilityQuerySchema } from "@/lib/firewall/reachability-service";
import { assertionInputSchema, policyOverrideQuerySchema } from "@/lib/firewall/policy-schema";
import { memberAddSchema, memberUpdateSchema, networkCreateSchema, networkUpdateSchema } from "@/lib/networks/network-schemas";
import { certificateRevokeSchema, groupCreateSchema, groupUpdateSchema, nodeCreateSchema, nodeUpdateSchema, signKeySchema } from "@/lib/nodes/node-schemas";
import { errorStatus } from "@/lib/core/app-error";
import { enrollSchema, linkCreateSchema, renewSchema } from "@/lib/enroll/link-schemas";
import { reservedRangeSchema } from "@/lib/ipam/reserved-ranges";
import { deliveryQuerySchema, webhookCreateSchema, webhookUpdateSchema } from "@/lib/webhooks/events";
import { tokenCreateSchema } from "@/lib/auth/api-tokens";
import { operationScopes } from "@/lib/auth/scopes";
import { inviteAcceptSchema, inviteCreateSchema, passwordChangeSchema, resetUseSchema, userSearchQuerySchema } from "@/lib/users/user-schemas";
import { groupGrantCreateSchema, groupGrantUpdateSchema } from "@/lib/networks/group-grant-schemas";

extendZodWithOpenApi(z);

type Method = "get" | "post" | "put" | "patch" | "delete";

interface Operation {
  method: Method;
  path: string;
  summary: string;
  role?: "viewer" | "admin" | "owner";
  body?: z.ZodType;
  query?: z.ZodObject;
  status?: number;
  /** Media types of a successful answer (default application/json). */
  produces?: string | string[];
  /** Default: the browser session (cookie + CSRF header). */
  auth?: "session" | "node" | "none";
  /** Other successful answers, beside `status`. */
  alsoSucceeds?: Record<number, string>;
  /** The JSON body of a successful answer (`status`), where clients rely on its fields; otherwise any. */
  response?: z.ZodType;
}

/** Every rule change is tested against the network's policy assertions. */
const POLICY_CHECKED = " (refused with 409 policy_violation if it breaks a policy assertion that holds, naming it and the rule to blame; an owner may pass overridePolicy=true, which is audited)";

const id = (name: string) => z.string().uuid().describe(`${name} id`);
const N = "/networks/{networkId}";

const role = z.enum(["owner", "admin", "viewer"]);
const firewallAction = z.enum(["drop", "reject"]).describe("What the firewall does with traffic no rule allows");
/** The network's settings (lib/networks/network-service.ts toNetworkView). */
const networkView = z.object({
  id: z.string().uuid(),
  name: z.string(),
  cidr: z.string().nullable().describe("The IPv4 range; null on an IPv6-only network"),
  cidr6: z.string().nullable().describe("The IPv6 range of a dual-stack or IPv6-only network, null for none"),
  description: z.string(),
  createdAt: z.string().datetime(),
  certVersion: z.number().int().describe("Certificate version: 1 lets Nebula 1.6 hosts join, 2 carries IPv6"),
  nebulaTarget: z.enum(["1.6", "1.7", "1.10"]).describe("The oldest Nebula the hosts may run"),
  configRevision: z.number().int(),
  pollSeconds: z.number().int(),
  inboundAction: firewallAction,
  outboundAction: firewallAction,
});
/** A node as the API shows it (lib/nodes/node-service.ts toNodeView); further fields may be present. */
const nodeView = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  ip: z.string().nullable().describe("Its IPv4 overlay address (null before it has a lease)"),
  ip6: z.string().nullable().describe("Its IPv6 overlay address on a dual-stack network, derived from its IPv4 lease; null on IPv4-only networks"),
  groups: z.array(z.string()),
  isLighthouse: z.boolean(),
  isRelay: z.boolean(),
  status: z.enum(["pending", "active", "blocked"]),
  certificate: z
    .object({ id: z.string().uuid(), fingerprint: z.string(), notAfter: z.string().datetime(), ip: z.string(), ip6: z.string().nullable().describe("The IPv6 network the certificate carries, null for none"), groups: z.array(z.string()) })
    .nullable(),
});

const operations: Operation[] = [
  { method: "get", path: "/networks", summary: "List the networks the caller can see" },
  { method: "post", path: "/networks", summary: "Create a network with its CA", body: networkCreateSchema, status: 201 },
  { method: "get", path: N, summary: "Get a network and its settings (certificate version, Nebula target, IPv6 range, firewall default actions)", role: "viewer", response: z.object({ network: networkView.extend({ createdById: z.string().uuid().nullable() }), role }) },
  {
    method: "patch",
    path: N,
    summary: "Change a network's settings. An IPv6 range (cidr6) may be added to a v2 network without one: every host is re-signed with its IPv6 address (batches of 50, at most 1000 per call; `ipv6.remaining` says how many are left: send the same range again). It cannot be changed or removed once set",
    role: "admin",
    body: networkUpdateSchema,
    response: z.object({ network: networkView, ipv6: z.object({ resigned: z.number().int(), remaining: z.number().int() }).optional() }),
  },
  { method: "delete", path: N, summary: "Delete a network", role: "owner", status: 204 },
  { method: "get", path: `${N}/members`, summary: "List members", role: "viewer" },
  { method: "post", path: `${N}/members`, summary: "Add a member: by userId (201, the member; 404 for an unknown id), or by email (always 202 {\"status\":\"accepted\"}; the role goes only to the one user with that verified address)", role: "owner", body: memberAddSchema, status: 201, alsoSucceeds: { 202: "By email: accepted, whether or not such an account exists" } },
  { method: "patch", path: `${N}/members/{memberId}`, summary: "Change a member's role", role: "owner", body: memberUpdateSchema },
  { method: "delete", path: `${N}/members/{memberId}`, summary: "Remove a member", role: "owner", status: 204 },
  { method: "get", path: `${N}/group-grants`, summary: "Keycloak mode: roles granted to Keycloak groups, with the users who currently get access through each (404 in local mode)", role: "viewer" },
  { method: "post", path: `${N}/group-grants`, summary: "Keycloak mode: grant a role to a Keycloak group, named by its full path such as /ops (404 in local mode)", role: "owner", body: groupGrantCreateSchema, status: 201 },
  { method: "patch", path: `${N}/group-grants/{grantId}`, summary: "Keycloak mode: change a group grant's role (404 in local mode)", role: "owner", body: groupGrantUpdateSchema },
  { method: "delete", path: `${N}/group-grants/{grantId}`, summary: "Keycloak mode: remove a group grant (404 in local mode)", role: "owner", status: 204 },
  { method: "get", path: `${N}/audit`, summary: "The network's audit trail", role: "viewer", query: auditQuerySchema },
  { method: "get", path: "/audit", summary: "The audit trail of every network the caller can see", query: auditQuerySchema },
  { method: "get", path: `${N}/audit/export`, summary: "Download the network's audit trail, filtered like the list, as CSV (RFC 4180, formula cells defused) or JSON lines; streamed, newest first", role: "viewer", query: auditExportQuerySchema, produces: ["text/csv", "application/x-ndjson"] },
  { method: "get", path: "/audit/export", summary: "Download the audit trail the caller can see, filtered like the list, as CSV (RFC 4180, formula cells defused) or JSON lines; streamed, newest first", query: auditExportQuerySchema, produces: ["text/csv", "application/x-ndjson"] },
  { method: "post", path: "/audit/prune", summary: "System administrators: remove audit events older than NC_AUDIT_RETENTION_DAYS now (409 when none is set); records audit.pruned" },
  { method: "get", path: `${N}/ca`, summary: "The network's certificate authorities (no keys)", role: "viewer" },
  { method: "get", path: `${N}/ca/rotation`, summary: "CA rotation: its phase (none, trust, switched), the CAs, and the hosts' progress counted from what they reported applying (trusting the new CA, on a certificate from it, offline, the hosts left)", role: "viewer" },
  { method: "post", path: `${N}/ca/rotation`, summary: "Start a CA rotation: make the next CA (the current one's version and lifetime) and put it in every host's pki.ca bundle; the current CA still signs (409 while one is under way)", role: "owner", body: rotationStartSchema, status: 201 },
  { method: "post", path: `${N}/ca/rotation/switch`, summary: "Switch signing to the new CA; hosts on the old one hear renewal due. 409 naming the active hosts that have not applied the bundle trusting it, unless force", role: "owner", body: rotationStepSchema },
  { method: "post", path: `${N}/ca/rotation/resign`, summary: "Switch if needed, then re-sign every active host still on the old CA with its stored public key (batches of 50, at most 1000 per call; `remaining` says how many are left)", role: "owner", body: rotationStepSchema },
  { method: "post", path: `${N}/ca/rotation/retire`, summary: "Retire the old CA (out of every bundle). 409 naming the active hosts that have not applied a certificate from the new CA, or, once all have, until one lighthouse interval has passed (retireInSeconds)", role: "owner" },
  { method: "get", path: `${N}/groups`, summary: "List groups", role: "viewer" },
  { method: "post", path: `${N}/groups`, summary: "Create a group", role: "admin", body: groupCreateSchema, status: 201 },
  { method: "patch", path: `${N}/groups/{groupId}`, summary: "Rename a group (re-signs its members)", role: "admin", body: groupUpdateSchema },
  { method: "delete", path: `${N}/groups/{groupId}`, summary: "Delete an unused group", role: "admin", status: 204 },
  {
    method: "get",
    path: `${N}/nodes`,
    summary: "List nodes: all of them, or with any query parameter one page searched by name, description, group, IPv4 address prefix or IPv6 address (or a piece of one with a colon), with the total",
    role: "viewer",
    query: nodeQuerySchema,
    response: z.object({ nodes: z.array(nodeView), total: z.number().int().optional(), page: z.number().int().optional(), pageSize: z.number().int().optional(), pages: z.number().int().optional() }),
  },
  { method: "post", path: `${N}/nodes`, summary: `Add a node (lease, and a certificate when a public key is given)${POLICY_CHECKED}`, role: "admin", body: nodeCreateSchema, query: policyOverrideQuerySchema, status: 201 },
  { method: "get", path: `${N}/nodes/{nodeId}`, summary: "Get a node", role: "viewer", response: z.object({ node: nodeView }) },
  { method: "patch", path: `${N}/nodes/{nodeId}`, summary: `Change a node (re-signs on identity changes; a change of its groups is policy-tested)${POLICY_CHECKED}`, role: "admin", body: nodeUpdateSchema, query: policyOverrideQuerySchema },
  { method: "delete", path: `${N}/nodes/{nodeId}`, summary: "Delete a node (revokes, releases its address)", role: "admin", status: 204 },
  { method: "post", path: `${N}/nodes/{nodeId}/certificate`, summary: "Sign the host's own public key", role: "admin", body: signKeySchema, status: 201 },
  { method: "post", path: `${N}/nodes/{nodeId}/bundle`, summary: "Download a zip of config, CA, certificate (and a one-time key)", role: "admin", body: z.object({ newKey: z.boolean().default(false) }), produces: "application/zip" },
  { method: "get", path: `${N}/nodes/{nodeId}/config`, summary: "The node's rendered config.yml", role: "viewer", produces: "text/yaml" },
  { method: "get", path: `${N}/rules`, summary: "List firewall rules in order", role: "viewer" },
  { method: "post", path: `${N}/rules`, summary: `Add a firewall rule${POLICY_CHECKED}`, role: "admin", body: ruleInputSchema, query: policyOverrideQuerySchema, status: 201 },
  { method: "put", path: `${N}/rules/{ruleId}`, summary: `Replace a firewall rule${POLICY_CHECKED}`, role: "admin", body: ruleInputSchema, query: policyOverrideQuerySchema },
  { method: "delete", path: `${N}/rules/{ruleId}`, summary: `Delete a firewall rule${POLICY_CHECKED}`, role: "admin", query: policyOverrideQuerySchema, status: 204 },
  { method: "post", path: `${N}/rules/{ruleId}/move`, summary: `Move a rule up or down${POLICY_CHECKED}`, role: "admin", body: z.object({ direction: z.enum(["up", "down"]) }), query: policyOverrideQuerySchema },
  { method: "put", path: `${N}/rules/icmp`, summary: `Allow or block inbound ping from any host${POLICY_CHECKED}`, role: "admin", body: z.object({ enabled: z.boolean() }), query: policyOverrideQuerySchema },
  { method: "get", path: `${N}/policy/assertions`, summary: "Policy assertions (\"group web → group db tcp/5432 allowed\"), each with its last test result", role: "viewer" },
  { method: "post", path: `${N}/policy/assertions`, summary: "Add a policy assertion; the answer carries its verdict now (one that fails is kept, and says so)", role: "admin", body: assertionInputSchema, status: 201 },
  { method: "put", path: `${N}/policy/assertions/{assertionId}`, summary: "Replace a policy assertion (owners: it loosens the guard like an override)", role: "owner", body: assertionInputSchema },
  { method: "delete", path: `${N}/policy/assertions/{assertionId}`, summary: "Delete a policy assertion (owners)", role: "owner", status: 204 },
  { method: "post", path: `${N}/policy/test`, summary: "Test every policy assertion now: each verdict with the flow and the rules that decided it; the verdicts become the stored last results", role: "viewer" },
  { method: "get", path: `${N}/certificates`, summary: "The blocklist and issued certificates: the newest 1000, or with any query parameter one page (newest first) searched by node or certificate name, group, IP prefix or fingerprint prefix and filtered by status, with the total", role: "viewer", query: certificateQuerySchema },
  { method: "post", path: `${N}/certificates/{certificateId}/revoke`, summary: "Revoke a certificate (blocklist it)", role: "admin", body: certificateRevokeSchema },
  { method: "get", path: `${N}/leases`, summary: "IP leases", role: "viewer" },
  { method: "get", path: `${N}/versions`, summary: "The Nebula versions the network's active hosts report (hosts per version, hosts not yet reported, the network's target) with known advisories per version", role: "viewer" },
  { method: "get", path: `${N}/reserved-ranges`, summary: "Address ranges never allocated", role: "viewer" },
  { method: "post", path: `${N}/reserved-ranges`, summary: "Reserve an address range", role: "admin", body: reservedRangeSchema as unknown as z.ZodType, status: 201 },
  { method: "delete", path: `${N}/reserved-ranges/{rangeId}`, summary: "Release a reserved range", role: "admin", status: 204 },
  { method: "get", path: `${N}/reachability`, summary: "Can node A reach node B on proto/port?", role: "viewer", query: reachabilityQuerySchema as unknown as z.ZodObject },
  { method: "get", path: `${N}/matrix`, summary: "Group × group matrix of what the rules allow", role: "viewer" },
  { method: "post", path: `${N}/nodes/{nodeId}/block`, summary: "Block a node: blocklist its certificate, revoke its credential", role: "admin" },
  { method: "post", path: `${N}/nodes/{nodeId}/approve`, summary: "Approve a node waiting after enrollment", role: "admin" },
  { method: "get", path: `${N}/links`, summary: "List join links and their uses", role: "viewer" },
  { method: "post", path: `${N}/links`, summary: `Create a join link (its token is shown once; its preset groups are policy-tested as a future host's)${POLICY_CHECKED}`, role: "admin", body: linkCreateSchema, query: policyOverrideQuerySchema, status: 201 },
  { method: "post", path: `${N}/links/{linkId}/revoke`, summary: "Revoke a join link", role: "admin", status: 204 },
  { method: "get", path: "/tokens", summary: "Your API tokens (never the tokens themselves): name, prefix, network, scopes, last use, expiry, status. Session only" },
  { method: "post", path: "/tokens", summary: "Make an API token; the answer's `secret` (ncp_…) is shown this once and only its SHA-256 is kept. Session only", body: tokenCreateSchema, status: 201 },
  { method: "post", path: "/tokens/{tokenId}/revoke", summary: "Revoke one of your API tokens (at once, on every replica). Session only" },
  { method: "get", path: `${N}/webhooks`, summary: "List the network's outgoing webhooks (never their secrets)", role: "admin" },
  { method: "post", path: `${N}/webhooks`, summary: "Create a webhook: URL, events, description (its signing secret is shown once)", role: "admin", body: webhookCreateSchema, status: 201 },
  { method: "get", path: `${N}/webhooks/{webhookId}`, summary: "Get a webhook", role: "admin" },
  { method: "patch", path: `${N}/webhooks/{webhookId}`, summary: "Change a webhook's URL, events or description, or disable it", role: "admin", body: webhookUpdateSchema },
  { method: "delete", path: `${N}/webhooks/{webhookId}`, summary: "Delete a webhook and its delivery log", role: "admin", status: 204 },
  { method: "post", path: `${N}/webhooks/{webhookId}/rotate-secret`, summary: "Replace a webhook's signing secret (the new one is shown once)", role: "admin" },
  { method: "post", path: `${N}/webhooks/{webhookId}/test`, summary: "Queue a webhook.test event to this webhook", role: "admin", status: 202 },
  { method: "get", path: `${N}/webhooks/{webhookId}/deliveries`, summary: "A webhook's delivery log, newest first: status, attempts, status code, duration, next retry, request and response excerpts", role: "admin", query: deliveryQuerySchema },
  { method: "post", path: `${N}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver`, summary: "Send a past delivery's event again, as a new delivery", role: "admin", status: 202 },
  { method: "post", path: "/enroll", summary: "Enroll a host: join token, hostname and its own public key", body: enrollSchema, status: 201, auth: "none" },
  { method: "get", path: "/node/config", summary: "Poll the node's config (If-None-Match; 304 when unchanged; Prefer: wait=N holds it open until this node's bundle changes, answered with Preference-Applied)", auth: "node", alsoSucceeds: { 202: "Waiting for an admin to approve the node", 304: "Unchanged since the ETag sent" } },
  { method: "get", path: "/node/files/{file}", summary: "One of config.yml, ca.crt, host.crt as plain text (for the sh agent)", auth: "node", produces: "text/plain", alsoSucceeds: { 202: "Waiting for an admin to approve the node", 304: "Unchanged since the ETag sent" } },
  { method: "post", path: "/node/renew", summary: "Renew the node's certificate (unrevoked and inside its renewal window); rotates the credential", body: renewSchema, auth: "node" },
  { method: "post", path: "/node/retire", summary: "The host replaces its enrollment: deletes its node and blocklists its certificate", auth: "node", status: 204 },
  { method: "get", path: "/users", summary: "Search users by name, username or email for a member picker: any signed-in user, at least 2 characters, at most 10 answers of id, display name and username", query: userSearchQuerySchema },
  { method: "get", path: "/users/invites", summary: "Local mode, system admins: pending invites (404 for anyone else and in Keycloak mode)" },
  { method: "post", path: "/users/invites", summary: "Local mode, system admins: invite a person; the one-time link (72 h) is in the answer once, only its hash is kept", body: inviteCreateSchema, status: 201 },
  { method: "post", path: "/users/invites/{inviteId}/revoke", summary: "Local mode, system admins: revoke a pending invite", status: 204 },
  { method: "post", path: "/users/{userId}/disable", summary: "Local mode, system admins: disable a user; every session of theirs ends at once and sign-in is refused" },
  { method: "post", path: "/users/{userId}/enable", summary: "Local mode, system admins: re-enable a disabled user" },
  { method: "post", path: "/users/{userId}/reset-link", summary: "Local mode, system admins: a one-time password-reset link (24 h) for a local account, in the answer once; an older unused one stops working", status: 201 },
  { method: "post", path: "/account/password", summary: "Local mode: change your own password (the current one is required, 10 tries in 15 minutes); your other sessions end", body: passwordChangeSchema },
  { method: "post", path: "/invites/accept", summary: "Local mode: accept an invite with its token, choosing a username, name and password (rate limited per address; 404 for a used, revoked or expired link)", body: inviteAcceptSchema, status: 201, auth: "none" },
  { method: "post", path: "/password-resets", summary: "Local mode: use a password-reset token to set a new password; every session of the user ends (rate limited per address; 404 for a used, replaced or expired link)", body: resetUseSchema, auth: "none" },
];

const errorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorStatus) as [keyof typeof errorStatus, ...Array<keyof typeof errorStatus>]),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
    requestId: z.string(),
  }),
});

function contentOf(op: Operation) {
  const types = [op.produces ?? "application/json"].flat();
  return Object.fromEntries(types.map((type) => [type, { schema: z.any() }]));
}

/** What each error status means; which of them an operation can answer depends on how it is called. */
const errorMeaning: Record<number, string> = {
  400: "Invalid input; `fields` has every field's errors",
  401: "Not signed in, or the credential (session, API token, node credential) is not valid, revoked or expired",
  403: "Role too low, CSRF token missing, the API token lacks the operation's scope (or the operation takes no token), or the node is blocked",
  404: "Not found, or another tenant's",
  409: "Conflicts with the current state (taken name or address, last owner, …), or (policy_violation) breaks a policy assertion",
  410: "The node was deleted; its agent stops",
  413: "The body is larger than the limit",
  415: "The body is not JSON",
  429: "Too many attempts; Retry-After says when to try again",
};

/** The error statuses the wrapper and the operation's own checks can produce. */
function errorStatusesOf(op: Operation): number[] {
  const auth = op.auth ?? "session";
  const statuses = new Set([400, 404]);
  if (auth !== "none") [401, 403].forEach((s) => statuses.add(s));
  if (auth !== "session") [410, 429].forEach((s) => statuses.add(s)); // hosts: deleted nodes, failure limits
  if (scopeOf(op)) statuses.add(429); // calls per API token
  if (op.method !== "get") statuses.add(409);
  if (op.body) [413, 415].forEach((s) => statuses.add(s));
  return [...statuses].sort();
}

/** The scope an API token needs for the operation (lib/auth/scopes.ts); none: no token may call it. */
function scopeOf(op: Operation): string | undefined {
  return (op.auth ?? "session") === "session" ? operationScopes[`${op.method.toUpperCase()} ${op.path}`] : undefined;
}

function securityOf(op: Operation): Array<Record<string, string[]>> {
  if (op.auth === "none") return [];
  if (op.auth === "node") return [{ nodeCredential: [] }];
  const scope = scopeOf(op);
  return scope ? [{ session: [] }, { apiToken: [scope] }] : [{ session: [] }];
}

function pathParams(path: string) {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return names.length ? z.object(Object.fromEntries(names.map((n) => [n, n.endsWith("Id") ? id(n.replace(/Id$/, "")) : z.string()]))) : undefined;
}

export function buildOpenApiDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "session", { type: "apiKey", in: "cookie", name: "next-auth.session-token" });
  registry.registerComponent("securitySchemes", "apiToken", {
    type: "http",
    scheme: "bearer",
    description: "A personal API token (ncp_…), made on the Tokens page. It acts as its owner with the owner's current role, narrowed to its scopes (each operation lists the one it needs) and optionally to one network; no CSRF header is needed.",
  });
  registry.registerComponent("securitySchemes", "nodeCredential", { type: "http", scheme: "bearer", description: "The node credential from enrollment" });
  const error = registry.register("Error", errorSchema);
  for (const op of operations) {
    const status = op.status ?? 200;
    const params = pathParams(op.path);
    registry.registerPath({
      method: op.method,
      path: `/api/v1${op.path}`,
      summary: op.summary,
      description: [op.role ? `Needs the ${op.role} role in the network. Other tenants' networks answer 404.` : "", scopeOf(op) ? `API tokens need the ${scopeOf(op)} scope.` : ""].filter(Boolean).join(" ") || undefined,
      security: securityOf(op),
      request: {
        ...(params ? { params } : {}),
        ...(op.query ? { query: op.query } : {}),
        ...(op.body ? { body: { content: { "application/json": { schema: op.body } } } } : {}),
        ...(op.method !== "get" && (op.auth ?? "session") === "session" ? { headers: z.object({ "x-csrf-token": z.string().describe("The session's CSRF token (not needed with an API token)") }) } : {}),
      },
      responses: {
        [status]: { description: status === 204 ? "Done" : "Success", ...(status !== 204 ? { content: op.response ? { "application/json": { schema: op.response } } : contentOf(op) } : {}) },
        // 304 has no body; the others answer in the operation's own media type.
        ...Object.fromEntries(Object.entries(op.alsoSucceeds ?? {}).map(([code, description]) => [code, { description, ...(code !== "304" ? { content: contentOf(op) } : {}) }])),
        ...Object.fromEntries(errorStatusesOf(op).map((code) => [code, { description: errorMeaning[code]!, content: { "application/json": { schema: error } } }])),
      },
    });
  }
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: "3.0.3",
    info: { title: "Nebula Commander API", version: "1", description: "Control plane for Nebula overlay networks." },
    servers: [{ url: "/" }],
  });
}
