/** Read-side views of a network's PKI: its CA and the certificates issued. */
import { db } from "@/lib/db/client";
import { isRenewalDue } from "./sign-host";

export async function caView(networkId: string) {
  const cas = await db.ca.findMany({ where: { networkId }, orderBy: { createdAt: "desc" } });
  return cas.map((ca) => ({
    id: ca.id,
    name: ca.name,
    fingerprint: ca.fingerprint,
    notBefore: ca.notBefore.toISOString(),
    notAfter: ca.notAfter.toISOString(),
    version: ca.version,
    active: ca.active,
    pem: ca.certPem,
  }));
}

export async function listCertificates(networkId: string) {
  const rows = await db.certificate.findMany({ where: { networkId }, include: { node: { select: { name: true } } }, orderBy: { createdAt: "desc" }, take: 1000 });
  const now = new Date();
  return rows.map((c) => ({
    id: c.id,
    nodeId: c.nodeId,
    nodeName: c.node?.name ?? c.name,
    fingerprint: c.fingerprint,
    ip: c.ip,
    groups: c.groups,
    origin: c.origin,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    revokedAt: c.revokedAt?.toISOString() ?? null,
    revokeReason: c.revokeReason,
    expired: c.notAfter < now,
    renewalDue: !c.revokedAt && isRenewalDue(c, now),
  }));
}
