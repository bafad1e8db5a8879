/** Read-side views of a network's PKI: its CA and the certificates issued. */
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
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
    state: ca.state,
    /** Trusted by the hosts (in their pki.ca bundle). */
    active: ca.state !== "retired",
    signing: ca.state === "current",
    retiredAt: ca.retiredAt?.toISOString() ?? null,
    pem: ca.certPem,
  }));
}

export const certificateInclude = { node: { select: { name: true } } } satisfies Prisma.CertificateInclude;
type CertificateRow = Prisma.CertificateGetPayload<{ include: typeof certificateInclude }>;

/** One issued certificate as the certificates page and API show it. */
export function toCertificateView(c: CertificateRow, now = new Date()) {
  return {
    id: c.id,
    nodeId: c.nodeId,
    // The node's current name; a deleted node's certificate keeps the name it was signed with.
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
  };
}
export type CertificateView = ReturnType<typeof toCertificateView>;

/**
 * The newest 1000, for GET .../certificates without query parameters (its original answer).
 * Anything that must see every certificate pages with listCertificatesPage instead.
 */
export async function listCertificates(networkId: string): Promise<CertificateView[]> {
  const rows = await db.certificate.findMany({ where: { networkId }, include: certificateInclude, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1000 });
  const now = new Date();
  return rows.map((c) => toCertificateView(c, now));
}
