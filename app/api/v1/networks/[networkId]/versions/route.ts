import { withNetwork } from "@/lib/api/with-network";
import { nebulaVersionSummary } from "@/lib/nodes/nebula-version-summary";

/** The Nebula versions the network's hosts report, with known advisories per version. */
export const GET = withNetwork({ role: "viewer", scope: "nodes:read" }, async ({ access }) => nebulaVersionSummary(access.network.id));
