/**
 * What an API token may do, as `resource:action` scopes, and which scope each /api/v1 operation
 * needs. Pure (no Next, no Prisma): the wrapper, the OpenAPI document, the tokens page and the
 * tests all read this one list. A scope only narrows: a token never does more than its owner's
 * current role in the network allows (lib/auth/authorize-network.ts decides that part).
 */

/** Every scope, grouped by resource, with what it allows. The order is the order the UI shows. */
export const scopeCatalog = [
  { scope: "networks:read", label: "List and read networks" },
  { scope: "networks:write", label: "Create, rename and describe networks" },
  { scope: "networks:delete", label: "Delete networks" },
  { scope: "members:read", label: "List members" },
  { scope: "members:write", label: "Add, change and remove members" },
  { scope: "groups:read", label: "List groups" },
  { scope: "groups:write", label: "Create, rename and delete groups" },
  { scope: "nodes:read", label: "List and read nodes and their configs" },
  { scope: "nodes:write", label: "Add, change, delete, sign, bundle, block and approve nodes" },
  { scope: "links:read", label: "List join links" },
  { scope: "links:create", label: "Create join links" },
  { scope: "links:revoke", label: "Revoke join links" },
  { scope: "rules:read", label: "List firewall rules, reachability, the group matrix" },
  { scope: "rules:write", label: "Add, replace, move and delete firewall rules, ICMP" },
  { scope: "policy:read", label: "List policy assertions and their last results" },
  { scope: "policy:write", label: "Add policy assertions and test them now (owners also change and delete them)" },
  { scope: "certificates:read", label: "List certificates and certificate authorities" },
  { scope: "certificates:revoke", label: "Revoke certificates" },
  { scope: "certificates:rotate", label: "Rotate the CA: start, switch signing, re-sign every host, retire the old CA" },
  { scope: "addresses:read", label: "List leases and reserved ranges" },
  { scope: "addresses:write", label: "Reserve and release address ranges" },
  { scope: "webhooks:read", label: "List webhooks and their deliveries" },
  { scope: "webhooks:write", label: "Create, change, test and delete webhooks, rotate secrets, redeliver" },
  { scope: "audit:read", label: "Read and export the audit trail" },
  { scope: "users:read", label: "Search users by name (to add members)" },
] as const;

export type Scope = (typeof scopeCatalog)[number]["scope"];

export const allScopes: readonly Scope[] = scopeCatalog.map((s) => s.scope);

/** A read scope ends in `:read`; the "read-only" preset is exactly these. */
export const readOnlyScopes: readonly Scope[] = allScopes.filter((s) => s.endsWith(":read"));

export function isScope(value: string): value is Scope {
  return (allScopes as readonly string[]).includes(value);
}

/** The resource part of a scope (`nodes` of `nodes:write`), for grouping. */
export function scopeResource(scope: Scope): string {
  return scope.slice(0, scope.indexOf(":"));
}

const N = "/networks/{networkId}";

/**
 * "METHOD path" (the path as OpenAPI writes it, without /api/v1) to the one scope a token needs
 * for it. The routes declare the same scope in their wrapper options and the OpenAPI document
 * publishes this map; lib/api/api-token-scopes.int.test.ts checks that all three agree.
 */
export const operationScopes: Record<string, Scope> = {
  "GET /networks": "networks:read",
  "POST /networks": "networks:write",
  [`GET ${N}`]: "networks:read",
  [`PATCH ${N}`]: "networks:write",
  [`DELETE ${N}`]: "networks:delete",
  [`GET ${N}/members`]: "members:read",
  [`POST ${N}/members`]: "members:write",
  [`PATCH ${N}/members/{memberId}`]: "members:write",
  [`DELETE ${N}/members/{memberId}`]: "members:write",
  [`GET ${N}/group-grants`]: "members:read",
  [`POST ${N}/group-grants`]: "members:write",
  [`PATCH ${N}/group-grants/{grantId}`]: "members:write",
  [`DELETE ${N}/group-grants/{grantId}`]: "members:write",
  [`GET ${N}/audit`]: "audit:read",
  "GET /audit": "audit:read",
  [`GET ${N}/audit/export`]: "audit:read",
  "GET /audit/export": "audit:read",
  [`GET ${N}/ca`]: "certificates:read",
  [`GET ${N}/ca/rotation`]: "certificates:read",
  [`POST ${N}/ca/rotation`]: "certificates:rotate",
  [`POST ${N}/ca/rotation/switch`]: "certificates:rotate",
  [`POST ${N}/ca/rotation/resign`]: "certificates:rotate",
  [`POST ${N}/ca/rotation/retire`]: "certificates:rotate",
  [`GET ${N}/groups`]: "groups:read",
  [`POST ${N}/groups`]: "groups:write",
  [`PATCH ${N}/groups/{groupId}`]: "groups:write",
  [`DELETE ${N}/groups/{groupId}`]: "groups:write",
  [`GET ${N}/nodes`]: "nodes:read",
  [`POST ${N}/nodes`]: "nodes:write",
  [`GET ${N}/nodes/{nodeId}`]: "nodes:read",
  [`PATCH ${N}/nodes/{nodeId}`]: "nodes:write",
  [`DELETE ${N}/nodes/{nodeId}`]: "nodes:write",
  [`POST ${N}/nodes/{nodeId}/certificate`]: "nodes:write",
  [`POST ${N}/nodes/{nodeId}/bundle`]: "nodes:write",
  [`GET ${N}/nodes/{nodeId}/config`]: "nodes:read",
  [`GET ${N}/versions`]: "nodes:read",
  [`POST ${N}/nodes/{nodeId}/block`]: "nodes:write",
  [`POST ${N}/nodes/{nodeId}/approve`]: "nodes:write",
  [`GET ${N}/rules`]: "rules:read",
  [`POST ${N}/rules`]: "rules:write",
  [`PUT ${N}/rules/{ruleId}`]: "rules:write",
  [`DELETE ${N}/rules/{ruleId}`]: "rules:write",
  [`POST ${N}/rules/{ruleId}/move`]: "rules:write",
  [`PUT ${N}/rules/icmp`]: "rules:write",
  [`GET ${N}/reachability`]: "rules:read",
  [`GET ${N}/matrix`]: "rules:read",
  [`GET ${N}/policy/assertions`]: "policy:read",
  [`POST ${N}/policy/assertions`]: "policy:write",
  [`PUT ${N}/policy/assertions/{assertionId}`]: "policy:write",
  [`DELETE ${N}/policy/assertions/{assertionId}`]: "policy:write",
  [`POST ${N}/policy/test`]: "policy:write",
  [`GET ${N}/certificates`]: "certificates:read",
  [`POST ${N}/certificates/{certificateId}/revoke`]: "certificates:revoke",
  [`GET ${N}/leases`]: "addresses:read",
  [`GET ${N}/reserved-ranges`]: "addresses:read",
  [`POST ${N}/reserved-ranges`]: "addresses:write",
  [`DELETE ${N}/reserved-ranges/{rangeId}`]: "addresses:write",
  [`GET ${N}/links`]: "links:read",
  [`POST ${N}/links`]: "links:create",
  [`POST ${N}/links/{linkId}/revoke`]: "links:revoke",
  [`GET ${N}/webhooks`]: "webhooks:read",
  [`POST ${N}/webhooks`]: "webhooks:write",
  [`GET ${N}/webhooks/{webhookId}`]: "webhooks:read",
  [`PATCH ${N}/webhooks/{webhookId}`]: "webhooks:write",
  [`DELETE ${N}/webhooks/{webhookId}`]: "webhooks:write",
  [`POST ${N}/webhooks/{webhookId}/rotate-secret`]: "webhooks:write",
  [`POST ${N}/webhooks/{webhookId}/test`]: "webhooks:write",
  [`GET ${N}/webhooks/{webhookId}/deliveries`]: "webhooks:read",
  [`POST ${N}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver`]: "webhooks:write",
  "GET /users": "users:read",
};

/**
 * Operations a signed-in person may call but no token ever may. A token cannot mint, list or
 * revoke tokens, so a leaked one cannot make itself a successor; nor mint invite or password-reset
 * links, disable people, change a password or prune the audit trail, which would let a leaked
 * token take over accounts or erase its own record.
 */
export const sessionOnlyOperations: ReadonlySet<string> = new Set([
  "GET /tokens",
  "POST /tokens",
  "POST /tokens/{tokenId}/revoke",
  "GET /users/invites",
  "POST /users/invites",
  "POST /users/invites/{inviteId}/revoke",
  "POST /users/{userId}/disable",
  "POST /users/{userId}/enable",
  "POST /users/{userId}/reset-link",
  "POST /account/password",
  "POST /audit/prune",
]);

/** The operations a scope opens, for the tokens page ("nodes:write: POST /networks/{networkId}/nodes, ..."). */
export function operationsOf(scope: Scope): string[] {
  return Object.entries(operationScopes)
    .filter(([, s]) => s === scope)
    .map(([op]) => op);
}
