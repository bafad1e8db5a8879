/**
 * The one way into the API. Every route handler is built with `withActor`, `withNetwork` or
 * `withPublic`; each request passes through the same steps in the same order:
 *   request id -> session (cookie) or API token (bearer) -> CSRF (sessions) or scope (tokens)
 *   -> network + membership from the database -> role -> zod -> handler,
 * and every failure leaves as the same JSON error shape. A token's scope and network limit only
 * narrow what its owner's current role allows; a route that declares no scope refuses tokens.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { actorFromCookies, type Actor } from "@/lib/auth/session";
import { actorFromApiToken } from "@/lib/auth/api-tokens";
import type { Scope } from "@/lib/auth/scopes";
import { CSRF_HEADER, isValidCsrfToken } from "@/lib/auth/csrf";
import type { MemberRole } from "@/lib/auth/roles";
import { authorizeNetwork, type AuthorizedNetwork } from "@/lib/auth/authorize-network";
import { AppError } from "@/lib/core/app-error";
import { isUuid } from "@/lib/core/ids";
import type { RequestMeta } from "@/lib/core/request-meta";
import type { ErrorBody } from "./error-body";
import { clientIpFrom } from "@/lib/core/client-ip";
import { parseOrThrow } from "@/lib/core/zod-errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { metrics, routeLabel } from "@/lib/metrics/registry";
import { MAX_JSON_BODY_BYTES, readJsonBody } from "./read-json-body";
import { jsonResponse, setAnswerHeader } from "./direct-route";

export { MAX_JSON_BODY_BYTES };

const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export type { RequestMeta };

type RouteParams = Record<string, string | string[] | undefined>;
type RouteContext = { params: Promise<RouteParams> };

interface Schemas<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  body?: B;
  query?: Q;
  /** HTTP status of a successful answer (default 200). */
  status?: number;
  /** A tighter body limit than MAX_JSON_BODY_BYTES, for unauthenticated endpoints. */
  maxBodyBytes?: number;
}

/** How a route may be called with an API token. */
interface TokenAccess {
  /** The one scope a token needs here (lib/auth/scopes.ts). A route without one refuses every token. */
  scope?: Scope;
  /** Says on purpose that no token may call this route (managing tokens). */
  sessionOnly?: true;
}

/** What a route declared, kept on its exported handler so that tests can walk every route. */
export interface RouteAuth {
  kind: "public" | "actor" | "network";
  scope: Scope | null;
  sessionOnly: boolean;
  role: MemberRole | null;
}

type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

interface BaseContext<B, Q> {
  req: Request;
  params: RouteParams;
  meta: RequestMeta;
  body: B;
  query: Q;
}

export interface ActorContext<B = undefined, Q = undefined> extends BaseContext<B, Q> {
  actor: Actor;
}

export interface NetworkContext<B = undefined, Q = undefined> extends ActorContext<B, Q> {
  access: AuthorizedNetwork;
}

type Handler<C> = (ctx: C) => Promise<Response | object | null>;

export function errorResponse(error: unknown, requestId: string): Response {
  const apiError = toApiError(error, requestId);
  const body: ErrorBody = {
    error: { code: apiError.code, message: apiError.message, requestId, ...(apiError.fields ? { fields: apiError.fields } : {}) },
  };
  return Response.json(body, { status: apiError.status, headers: { "x-request-id": requestId, ...apiError.headers } });
}

function toApiError(error: unknown, requestId: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === "P2025") return new AppError("not_found", "Not found");
    if (error.code === "P2002") return new AppError("conflict", "That already exists");
  }
  // Unexpected: the details stay in the server log, keyed by the request id the user is shown.
  console.error(`[api] request ${requestId} failed:`, error);
  return new AppError("internal", `Something went wrong. Quote request id ${requestId} when reporting this.`);
}

function queryObject(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.url).searchParams.entries());
}

function respond(req: Request, result: Response | object | null, status: number, requestId: string): Response {
  if (result instanceof Response) {
    setAnswerHeader(result, "x-request-id", requestId);
    return result;
  }
  if (result === null) return new Response(null, { status: 204, headers: { "x-request-id": requestId } });
  // Plain Web Responses, not NextResponse: server.ts serves the agents' routes without Next
  // (lib/api/direct-route.ts), and its image bundle cannot load next/server by itself. There the
  // JSON text is written as is, without a body stream (jsonResponse).
  return jsonResponse(req, result, { status, headers: { "x-request-id": requestId } });
}

async function parseInputs<B extends z.ZodType | undefined, Q extends z.ZodType | undefined>(
  req: Request,
  schemas: Schemas<B, Q>,
): Promise<{ body: Parsed<B>; query: Parsed<Q> }> {
  const body = schemas.body ? parseOrThrow(schemas.body, await readJsonBody(req, schemas.maxBodyBytes)) : undefined;
  const query = schemas.query ? parseOrThrow(schemas.query, queryObject(req)) : undefined;
  return { body: body as Parsed<B>, query: query as Parsed<Q> };
}

const BEARER = /^Bearer +(\S+) *$/i;

async function requireActor(req: Request, meta: RequestMeta, access: TokenAccess): Promise<Actor> {
  // Other schemes (a proxy's Basic auth in front of the app) are not ours and are left alone.
  const bearer = BEARER.exec(req.headers.get("authorization") ?? "")?.[1];
  if (bearer !== undefined) return requireTokenActor(bearer, meta, access);
  const actor = await actorFromCookies(req.headers.get("cookie"));
  if (!actor) throw new AppError("unauthenticated", "Sign in to continue");
  // Cookies ride along on cross-site requests; only our own pages know the session's CSRF token.
  if (unsafeMethods.has(req.method) && !isValidCsrfToken(actor.sid, req.headers.get(CSRF_HEADER))) {
    throw new AppError("csrf_failed", "The request's CSRF token is missing or wrong; reload the page and try again");
  }
  return actor;
}

/**
 * No CSRF check here: browsers never attach an Authorization header on their own, so a bearer
 * call is always one its sender meant. The scope is checked on top of the role, never instead.
 */
async function requireTokenActor(token: string, meta: RequestMeta, access: TokenAccess): Promise<Actor> {
  const actor = await actorFromApiToken(token, meta);
  if (!access.scope) throw new AppError("forbidden", "This operation cannot be called with an API token");
  if (!actor.token?.scopes.includes(access.scope)) throw new AppError("forbidden", `This API token lacks the ${access.scope} scope`);
  return actor;
}

function declare<H extends object>(handler: H, routeAuth: RouteAuth): H & { routeAuth: RouteAuth } {
  return Object.assign(handler, { routeAuth });
}

/** An id in the path that cannot exist (not a uuid, see lib/core/ids.ts) answers 404 like one that does not. */
function assertIdParams(params: RouteParams): void {
  for (const [name, value] of Object.entries(params)) {
    if (name.endsWith("Id") && !isUuid(value)) throw new AppError("not_found", "Not found");
  }
}

function run<C>(build: (req: Request, params: RouteParams, meta: RequestMeta) => Promise<C>, status: number, handler: Handler<C>) {
  return async (req: Request, context?: RouteContext): Promise<Response> => {
    const meta: RequestMeta = { requestId: randomUUID(), clientIp: clientIpFrom(req.headers) };
    let response: Response;
    try {
      const params = (await context?.params) ?? {};
      assertIdParams(params);
      const ctx = await build(req, params, meta);
      response = respond(req, await handler(ctx), status, meta.requestId);
    } catch (error) {
      response = errorResponse(error, meta.requestId);
    }
    // Every answer is for one caller, and some carry a secret shown once (a join link's token, a
    // node credential, a one-time key): none may be kept by a browser or a shared cache.
    setAnswerHeader(response, "cache-control", "no-store", true);
    metrics().httpRequests.inc({ route: routeLabel(new URL(req.url).pathname), method: req.method, status: String(response.status) });
    return response;
  };
}

/** A route open to anyone (first-run setup, enrollment). Still parsed, still error-mapped. */
export function withPublic<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  schemas: Schemas<B, Q>,
  handler: Handler<BaseContext<Parsed<B>, Parsed<Q>>>,
) {
  return declare(run(async (req, params, meta) => ({ req, params, meta, ...(await parseInputs(req, schemas)) }), schemas.status ?? 200, handler), {
    kind: "public",
    scope: null,
    sessionOnly: false,
    role: null,
  });
}

/**
 * A route for any signed-in user, not tied to one network. A token limited to one network is
 * refused here unless the route says its domain code narrows what it does to that network
 * (`honoursNetworkLimit`, e.g. listNetworksFor, auditScopeFor): forgetting it fails closed.
 */
export function withActor<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  schemas: Schemas<B, Q> & TokenAccess & { honoursNetworkLimit?: true },
  handler: Handler<ActorContext<Parsed<B>, Parsed<Q>>>,
) {
  return declare(
    run(
      async (req, params, meta) => {
        const actor = await requireActor(req, meta, schemas);
        if (actor.token?.networkId && !schemas.honoursNetworkLimit) {
          throw new AppError("forbidden", "This API token is limited to one network; this operation is not about one network");
        }
        return { req, params, meta, actor, ...(await parseInputs(req, schemas)) };
      },
      schemas.status ?? 200,
      handler,
    ),
    { kind: "actor", scope: schemas.scope ?? null, sessionOnly: schemas.sessionOnly ?? false, role: null },
  );
}

/**
 * A route under /networks/[networkId]. The network and the caller's membership come from the
 * database; a network the caller may not see answers 404 exactly like one that does not exist.
 */
export function withNetwork<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  options: Schemas<B, Q> & TokenAccess & { role: MemberRole },
  handler: Handler<NetworkContext<Parsed<B>, Parsed<Q>>>,
) {
  return declare(
    run(
      async (req, params, meta) => {
        const actor = await requireActor(req, meta, options);
        const networkId = typeof params.networkId === "string" ? params.networkId : "";
        // A token limited to another network sees this one as it sees any network it may not see.
        if (actor.token?.networkId && actor.token.networkId !== networkId) throw new AppError("not_found", "Network not found");
        const access = await authorizeNetwork(actor, networkId, options.role);
        return { req, params, meta, actor, access, ...(await parseInputs(req, options)) };
      },
      options.status ?? 200,
      handler,
    ),
    { kind: "network", scope: options.scope ?? null, sessionOnly: options.sessionOnly ?? false, role: options.role },
  );
}
