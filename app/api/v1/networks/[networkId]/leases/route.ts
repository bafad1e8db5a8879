import { withNetwork } from "@/lib/api/with-network";
import { listLeases } from "@/lib/ipam/lease-queries";

export const GET = withNetwork({ role: "viewer", scope: "addresses:read" }, async ({ access }) => ({ leases: await listLeases(access.network.id) }));
