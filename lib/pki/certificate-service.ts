/** Issuing and revoking host certificates inside the caller's transaction. */
import type { Tx } from "@/lib/db/client";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/core/app-error";
import { wholeNumberOr, type Env } from "@/lib/core/whole-number-setting";
import { unsealCaKey } from "./certificate-authority";
import { isRenewalDue, signHost, type SignedHost } from "./sign-host";

/**
 * How long host certificates last: NC_HOST_CERT_HOURS, or a year. signHost still keeps each within
 * its CA's life, and agents renew at two thirds.
 */
export function hostCertHours(env: Env = process.env): number {
  return wholeNumberOr(env, "NC_HOST_CERT_HOURS", { unit: "hours", min: 1, max: 10 * 8760 }, 8760);
}

export async function activeCaWithKey(tx: Tx, networkId: string) {
  // Only the current CA signs; a rotation's next CA is trusted first and signs only after the switch (lib/pki/ca-rotation.ts).
  const ca = await tx.ca.findFirst({ where: { networkId, state: "current" }, orderBy: { createdAt: "desc" }, omit: { keyCiphertext: false } });
  if (!ca) throw new AppError("conflict", "This network has no active CA");
  return { id: ca.id, certPem: ca.certPem, keyPem: unsealCaKey(ca), notAfter: ca.notAfter, version: ca.version };
}

export interface IssueRequest {
  networkId: string;
  nodeId: string;
  name: string;
  ipWithPrefix: string;
  /** A dual-stack host's IPv6 address with prefix (sign-host.ts). */
  ip6WithPrefix?: string | null;
  groups: string[];
  /** Subnets the host routes (unsafe routes), signed into the certificate. */
  unsafeNetworks?: string[];
  publicKeyPem: string | null;
  /** Why the node's earlier certificates are revoked (they always are). */
  supersededReason?: string;
  /** The CA, loaded (and its key unsealed) beforehand, so that callers holding a lock do less under it. */
  ca?: Awaited<ReturnType<typeof activeCaWithKey>>;
  /** A node made in this transaction has no earlier certificates to revoke: one statement less. */
  newNode?: boolean;
  /**
   * A CA rotation's re-signing: the superseded certificate (from the CA being replaced, same name,
   * address, groups) stays unrevoked and off the blocklist; it leaves with its CA's retirement.
   */
  keepSuperseded?: boolean;
}

/**
 * Signs a certificate for a node and stores it; the node's earlier certificates are revoked as
 * superseded, so a removed group or a changed address is not still granted by an old certificate.
 */
export async function issueCertificate(tx: Tx, req: IssueRequest) {
  const ca = req.ca ?? (await activeCaWithKey(tx, req.networkId));
  const signed = await signHost({ ca, name: req.name, ipWithPrefix: req.ipWithPrefix, ip6WithPrefix: req.ip6WithPrefix, groups: [...req.groups].sort(), unsafeNetworks: req.unsafeNetworks, publicKeyPem: req.publicKeyPem, durationHours: hostCertHours() });
  if (!req.newNode && !req.keepSuperseded) {
    await tx.certificate.updateMany({
      where: { nodeId: req.nodeId, revokedAt: null },
      data: { revokedAt: new Date(), revokeReason: req.supersededReason ?? "superseded" },
    });
  }
  const certificate = await storeCertificate(tx, req, ca.id, signed);
  return { certificate, privateKeyPem: signed.privateKeyPem };
}

/** Records a certificate signed beforehand (enrollment signs before its transaction, to hold no lock while nebula-cert runs). */
export function storeCertificate(tx: Tx, req: Pick<IssueRequest, "networkId" | "nodeId" | "name" | "ipWithPrefix" | "groups" | "publicKeyPem">, caId: string, signed: SignedHost) {
  return tx.certificate.create({
    data: {
      networkId: req.networkId,
      nodeId: req.nodeId,
      caId,
      name: req.name,
      pem: signed.certPem,
      publicKeyPem: signed.publicKeyPem,
      fingerprint: signed.details.fingerprint,
      notBefore: signed.details.notBefore,
      notAfter: signed.details.notAfter,
      ip: req.ipWithPrefix,
      // Read back from the certificate, like the routes: its IPv6 network, if it carries one.
      ip6: signed.details.networks.find((n) => n.includes(":")) ?? null,
      groups: [...req.groups].sort(),
      // What the certificate really carries, read back from it: the routes other hosts are given follow this.
      unsafeNetworks: signed.details.unsafeNetworks,
      origin: req.publicKeyPem ? "signed" : "bundle",
    },
  });
}

export async function revokeCertificate(tx: Tx, networkId: string, certificateId: string, reason: string) {
  const cert = await tx.certificate.findFirst({ where: { id: certificateId, networkId } });
  if (!cert) throw new AppError("not_found", "Certificate not found");
  if (cert.revokedAt) return cert;
  return tx.certificate.update({ where: { id: cert.id }, data: { revokedAt: new Date(), revokeReason: reason } });
}

/**
 * Fingerprints every node must refuse: revoked certificates that would otherwise still be valid.
 * A retired CA's certificates are left out: no host trusts that CA any more, so listing them would
 * only grow every config.
 */
export async function blocklistFor(networkId: string, client: Pick<Tx, "certificate"> = db): Promise<string[]> {
  const rows = await client.certificate.findMany({
    where: { networkId, revokedAt: { not: null }, notAfter: { gt: new Date() }, ca: { state: { not: "retired" } } },
    select: { fingerprint: true },
    orderBy: { fingerprint: "asc" },
  });
  return rows.map((r) => r.fingerprint);
}

export function certificateSummary(cert: { id: string; fingerprint: string; notBefore: Date; notAfter: Date; revokedAt: Date | null; origin: string; ip: string; ip6?: string | null; groups: string[] } | null | undefined) {
  if (!cert) return null;
  return {
    id: cert.id,
    fingerprint: cert.fingerprint,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    revoked: cert.revokedAt !== null,
    renewalDue: isRenewalDue(cert),
    origin: cert.origin,
    ip: cert.ip,
    ip6: cert.ip6 ?? null,
    groups: cert.groups,
  };
}
