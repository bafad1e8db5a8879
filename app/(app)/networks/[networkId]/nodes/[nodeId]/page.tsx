import { notFound } from "next/navigation";
import { AppError } from "@/lib/core/app-error";
import { loadNetworkForPage, requirePageActor } from "@/lib/auth/page-session";
import { hasRole } from "@/lib/auth/roles";
import { listGroups } from "@/lib/groups/group-service";
import { renderConfigFor } from "@/lib/nodes/node-config";
import { getNode } from "@/lib/nodes/node-service";
import { dnsResolversForNode } from "@/lib/nodes/node-dns";
import { NodeDetail } from "./node-detail";
import { db } from "@/lib/db/client";
import { leaseIp } from "@/lib/ipam/address-space";
import { CopyButton } from "../../../../../_components/copy-button";
import { QrCode } from "../../../../../_components/qr-code";

/** What the Mobile Nebula app imports: the CA and the certificate (as QR codes) and the lighthouses. */
async function MobileNebula({ networkId, nodeId }: { networkId: string; nodeId: string }) {
  const [ca, cert, lighthouses] = await Promise.all([
    // Every trusted CA (two during a rotation), as the agents' ca.crt has them.
    db.ca.findMany({ where: { networkId, state: { not: "retired" } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { certPem: true } }).then((cas) => (cas.length ? { certPem: cas.map((c) => c.certPem.trimEnd() + "\n").join("") } : null)),
    db.certificate.findFirst({ where: { nodeId, revokedAt: null }, orderBy: { createdAt: "desc" }, select: { pem: true } }),
    db.node.findMany({ where: { networkId, isLighthouse: true, status: "active" }, include: { lease: true, network: { select: { cidr: true, cidr6: true } } } }),
  ]);
  if (!ca || !cert) return null;
  const hostMap = lighthouses.filter((l) => l.lease).map((l) => `${leaseIp(l.network, l.lease!.address)} → ${l.endpoints.join(", ")}`);
  return (
    <section className="space-y-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" aria-label="Mobile Nebula">
      <div>
        <h3 className="font-medium">Mobile Nebula</h3>
        <p className="text-sm text-slate-500 dark:text-slate-400">In the app: paste or scan the certificate, then the CA, and add each lighthouse below as a static host.</p>
      </div>
      <div className="flex flex-wrap gap-6">
        <QrCode text={cert.pem} label="Host certificate" />
        <QrCode text={ca.certPem} label="CA certificate" />
        <div className="space-y-2 text-sm">
          <p className="font-medium">Static host map</p>
          <ul className="font-mono text-xs">{hostMap.length ? hostMap.map((h) => <li key={h}>{h}</li>) : <li>No lighthouses yet</li>}</ul>
          <div className="flex gap-2">
            <CopyButton text={cert.pem} label="Copy certificate" className="px-2 py-1 text-xs" />
            <CopyButton text={ca.certPem} label="Copy CA" className="px-2 py-1 text-xs" />
          </div>
        </div>
      </div>
    </section>
  );
}

export const metadata = { title: "Node" };

export default async function NodePage({ params }: { params: Promise<{ networkId: string; nodeId: string }> }) {
  const { networkId, nodeId } = await params;
  const actor = await requirePageActor();
  const { network, role } = await loadNetworkForPage(actor, networkId);
  const node = await getNode(network.id, nodeId).catch((e) => {
    if (e instanceof AppError && e.code === "not_found") notFound();
    throw e;
  });
  const [groups, config, dnsResolvers] = await Promise.all([
    listGroups(network.id),
    renderConfigFor(network.id, node.id).then(
      (c) => ({ yaml: c.yaml, etag: c.etag, error: null }),
      (e: unknown) => ({ yaml: null, etag: null, error: e instanceof AppError ? e.message : "The config could not be rendered" }),
    ),
    dnsResolversForNode(network.id, node),
  ]);
  return (
    <div className="space-y-6">
      <NodeDetail networkId={network.id} node={node} groups={groups.map((g) => g.name)} config={config} canEdit={hasRole(role, "admin")} canOverridePolicy={role === "owner"} dnsResolvers={dnsResolvers} />
      <MobileNebula networkId={network.id} nodeId={node.id} />
    </div>
  );
}
