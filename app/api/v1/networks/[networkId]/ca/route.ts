import { withNetwork } from "@/lib/api/with-network";
import { caView } from "@/lib/pki/certificate-queries";

export const GET = withNetwork({ role: "viewer", scope: "certificates:read" }, async ({ access }) => ({ cas: await caView(access.network.id) }));
