import { withNetwork } from "@/lib/api/with-network";
import { blocklistFor } from "@/lib/pki/certificate-service";
import { listCertificates } from "@/lib/pki/certificate-queries";
import { certificateQuerySchema, listCertificatesPage } from "@/lib/pki/certificate-query";

/**
 * The blocklist and the newest 1000 certificates, or, given any of q, status, page or pageSize,
 * one page of them searched in the database with the total (the blocklist still beside it, so a
 * paged answer has every field the unpaged one has).
 */
export const GET = withNetwork({ role: "viewer", query: certificateQuerySchema, scope: "certificates:read" }, async ({ req, access, query }) => {
  const networkId = access.network.id;
  const list = new URL(req.url).searchParams.size > 0 ? listCertificatesPage(networkId, query) : listCertificates(networkId).then((certificates) => ({ certificates }));
  const [listed, blocklist] = await Promise.all([list, blocklistFor(networkId)]);
  return { ...listed, blocklist };
});
