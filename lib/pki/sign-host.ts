/**
 * Signing host certificates. The main path signs a public key the host made itself (`-in-pub`),
 * so the server never sees the host's private key. The bundle path has nebula-cert make the key
 * pair here, for convenience; that key is returned once and never stored.
 */
import { AppError } from "@/lib/core/app-error";
import { readV1Certificate } from "./cert-v1";
import { nebulaCert, NebulaCertError, type CertDetails, type NebulaCert } from "./nebula-cert";

export interface SignRequest {
  ca: { certPem: string; keyPem: string; notAfter: Date; version: number };
  name: string;
  /** Address with the network's prefix, e.g. 10.42.0.5/16, so hosts share the network. */
  ipWithPrefix: string;
  /**
   * A dual-stack host's IPv6 address with the IPv6 range's prefix, signed into the same v2
   * certificate (`-networks v4,v6`). v1 certificates carry exactly one IPv4 network, so it is
   * refused there rather than dropped: a host must never silently lose an address.
   */
  ip6WithPrefix?: string | null;
  groups: string[];
  /** Subnets the host routes for the overlay (unsafe routes); none when left out. */
  unsafeNetworks?: string[];
  /** The host's own public key; null makes a key pair here (the bundle path). */
  publicKeyPem: string | null;
  durationHours: number;
}

export interface SignedHost {
  certPem: string;
  publicKeyPem: string;
  privateKeyPem: string | null;
  details: CertDetails;
}

/** Never past the CA's own expiry: nebula-cert refuses that, and the certificate could not be used anyway. */
export function clampDurationHours(requested: number, caNotAfter: Date, now = new Date()): number {
  const caLeftHours = Math.floor((caNotAfter.getTime() - now.getTime()) / 3_600_000) - 1;
  return Math.max(1, Math.min(requested, caLeftHours));
}

export async function signHost(req: SignRequest, runner: NebulaCert = nebulaCert()): Promise<SignedHost> {
  const current = await runner.supportsV2();
  // The files live in the spawn helper's private workspace (lib/pki/spawn-helper.ts) for this run only.
  const inputs: Record<string, string> = { "ca.crt": req.ca.certPem, "ca.key": req.ca.keyPem, ...(req.publicKeyPem ? { "host.pub": req.publicKeyPem } : {}) };
  const args = ["sign", "-ca-crt", "ca.crt", "-ca-key", "ca.key", "-name", req.name, "-out-crt", "host.crt"];
  // 1.6 knows only -ip; 1.10 renamed it -networks (keeping -ip as an alias) and added -version.
  if (req.ip6WithPrefix && (!current || req.ca.version !== 2)) {
    throw new AppError("conflict", "IPv6 addresses need v2 certificates: this network's CA or this server's nebula-cert (older than 1.10) cannot sign them");
  }
  // Dual-stack: both addresses. IPv6-only: the primary address is the IPv6 one, given once.
  const networks = [...new Set([req.ipWithPrefix, req.ip6WithPrefix].filter((n): n is string => Boolean(n)))];
  args.push(current ? "-networks" : "-ip", networks.join(","));
  if (current) args.push("-version", String(req.ca.version));
  if (req.groups.length) args.push("-groups", req.groups.join(","));
  // 1.10 renamed -subnets to -unsafe-networks (keeping the old name as an alias).
  if (req.unsafeNetworks?.length) args.push(current ? "-unsafe-networks" : "-subnets", req.unsafeNetworks.join(","));
  args.push("-duration", `${clampDurationHours(req.durationHours, req.ca.notAfter)}h`);
  args.push(...(req.publicKeyPem ? ["-in-pub", "host.pub"] : ["-out-key", "host.key"]));
  const files = await runner.runInWorkspace(args, inputs, req.publicKeyPem ? ["host.crt"] : ["host.crt", "host.key"]);
  const pem = files["host.crt"];
  const privateKeyPem = req.publicKeyPem ? null : (files["host.key"] ?? null);
  if (!pem || (!req.publicKeyPem && !privateKeyPem)) throw new NebulaCertError("nebula-cert sign wrote no certificate");
  const details = await readSignedDetails(runner, pem);
  return { certPem: pem, publicKeyPem: req.publicKeyPem ?? publicKeyPemFromHex(details.publicKey), privateKeyPem, details };
}

/**
 * The signed certificate's details. A v1 certificate is decoded here, which saves a second
 * nebula-cert process per signature; v2 (and anything the decoder declines) goes through print -json.
 */
async function readSignedDetails(runner: NebulaCert, pem: string): Promise<CertDetails> {
  const decoded = readV1Certificate(pem);
  if (decoded) return decoded;
  return runner.detailsOf(pem);
}

/** The PEM form of a raw X25519 public key, as `nebula-cert keygen` writes it. */
export function publicKeyPemFromHex(hex: string): string {
  return `-----BEGIN NEBULA X25519 PUBLIC KEY-----\n${Buffer.from(hex, "hex").toString("base64")}\n-----END NEBULA X25519 PUBLIC KEY-----\n`;
}

/** A certificate is due for renewal when less than a third of its lifetime is left. */
export function isRenewalDue(cert: { notBefore: Date; notAfter: Date }, now = new Date()): boolean {
  const lifetime = cert.notAfter.getTime() - cert.notBefore.getTime();
  return cert.notAfter.getTime() - now.getTime() < lifetime / 3;
}
