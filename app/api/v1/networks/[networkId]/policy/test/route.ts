import { withNetwork } from "@/lib/api/with-network";
import { testPolicy } from "@/lib/firewall/policy-store";

/**
 * "Test now": changes nothing but the stored verdicts, so anyone who may read the network may run
 * it; a token needs policy:write all the same, since read scopes never open a POST.
 */
export const POST = withNetwork({ role: "viewer", scope: "policy:write" }, async ({ access }) => testPolicy(access.network.id));
