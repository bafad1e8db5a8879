import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { blocklistFor } from "@/lib/pki/certificate-service";
import { caView, listCertificates } from "@/lib/pki/certificate-queries";
import { CertificatesPanel } from "./certificates-panel";

export const metadata = { title: "Certificates" };

export default async function CertificatesPage({ params }: { params: Promise<{ networkId: string }> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const [cas, certificates, blocklist] = await Promise.all([caView(network.id), listCertificates(network.id), blocklistFor(network.id)]);
  return <CertificatesPanel networkId={network.id} cas={cas} certificates={certificates} blocklist={blocklist} canEdit={hasRole(role, "admin")} />;
}
