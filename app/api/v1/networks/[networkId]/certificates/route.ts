import { withNetwork } from "@/lib/api/with-network";
import { blocklistFor } from "@/lib/pki/certificate-service";
import { listCertificates } from "@/lib/pki/certificate-queries";

export const GET = withNetwork({ role: "viewer" }, async ({ access }) => ({
  certificates: await listCertificates(access.network.id),
  blocklist: await blocklistFor(access.network.id),
}));
