/**
 * Routes that exist only in Keycloak mode (group grants): in local mode they answer 404 like any
 * unknown path, still through the wrapper (request id, metrics, the one error shape).
 */
import { authMode } from "@/lib/auth/auth-config";
import { AppError } from "@/lib/core/app-error";
import { withPublic } from "./with-network";

type Route = (req: Request, context?: { params: Promise<Record<string, string | string[] | undefined>> }) => Promise<Response>;

const absent = withPublic({}, async () => {
  throw new AppError("not_found", "Not found");
});

/**
 * Decided per request, so that a test (or a restart with another AUTH_MODE) sees the current mode.
 * What the wrapper declared on the route (its auth, for the tests that walk every route) is kept.
 */
export function keycloakOnly<R extends Route>(route: R): R {
  const guarded: Route = (req, context) => (authMode() === "keycloak" ? route(req, context) : absent(req, context));
  return Object.assign(guarded, route);
}
