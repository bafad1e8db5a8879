import { withNetwork } from "@/lib/api/with-network";
import { networkMatrix } from "@/lib/firewall/reachability-service";

export const GET = withNetwork({ role: "viewer", scope: "rules:read" }, async ({ access }) => networkMatrix(access.network.id));
