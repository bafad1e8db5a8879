import { withNetwork } from "@/lib/api/with-network";
import { checkReachability, reachabilityQuerySchema } from "@/lib/firewall/reachability-service";

export const GET = withNetwork({ role: "viewer", query: reachabilityQuerySchema, scope: "rules:read" }, async ({ access, query }) => checkReachability(access.network.id, query));
