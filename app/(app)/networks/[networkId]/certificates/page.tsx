import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { blocklistFor } from "@/lib/pki/certificate-service";
import { caView } from "@/lib/pki/certificate-queries";
import { certificateQuerySchema, listCertificatesPage } from "@/lib/pki/certificate-query";
import { rotationStatus } from "@/lib/pki/ca-rotation";
import { CaRotationPanel } from "./ca-rotation-panel";
import { CertificatesPanel } from "./certificates-panel";

export const metadata = { title: "Certificates" };

/** The CAs, the blocklist and one page of issued certificates, searched and filtered by the URL (?q, ?status, ?page) in the database. */
export default async function CertificatesPage({ params, searchParams }: { params: Promise<{ networkId: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { networkId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const given = Object.fromEntries(Object.entries(await searchParams).flatMap(([k, v]) => (typeof v === "string" && v !== "" && k !== "pageSize" ? [[k, v]] : [])));
  // A hand-edited URL with a bad value shows the first page of everything rather than an error.
  const parsed = certificateQuerySchema.safeParse(given);
  const query = parsed.success ? parsed.data : certificateQuerySchema.parse({});
  const [cas, page, blocklist, rotation] = await Promise.all([caView(network.id), listCertificatesPage(network.id, query), blocklistFor(network.id), rotationStatus(network.id)]);
  return (
    <div className="space-y-6">
      <CaRotationPanel networkId={network.id} status={rotation} canRotate={hasRole(role, "owner")} />
      <CertificatesPanel networkId={network.id} cas={cas} page={page} query={{ q: query.q, status: query.status ?? "" }} blocklist={blocklist} canEdit={hasRole(role, "admin")} />
    </div>
  );
}
