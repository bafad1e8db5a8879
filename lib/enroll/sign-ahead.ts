/**
 * Signing ahead: when a replica is idle and a join link enrolled a host on it moments ago, the next
 * enrollment with that link starts `nebula-cert sign` at once, on what the link gave last time and
 * the address the network's cursor will most likely hand out next, while the preflight statement
 * (rate limits, link, name, CA, address claim) runs. The certificate is used only when the
 * preflight then admits exactly those inputs (link, CA, name, groups, address); otherwise it is
 * thrown away unseen and the enrollment signs as usual. One at a time, an enrollment then costs
 * its signature and one write instead of a database round trip more.
 *
 * Why this is safe:
 * - Nothing signed ahead leaves the process unless the database admitted the same request, and
 *   the write still checks the claim and the link under lock (enroll-statements.ts).
 * - Only a token that enrolled a host on this replica within TEMPLATE_MS is signed for, and any
 *   refusal forgets it: a guessed or revoked token costs no signature, and a refused one at most
 *   one per success.
 * - Only when no other enrollment is in flight here: under load every signature must be one that
 *   is used, so a busy replica never spends CPU on a guess.
 *
 * The templates are a per-process hint (lost on restart, never shared): a replica that has none,
 * or has a stale one, enrolls exactly as before. They hold the CA key sealed, as the database does.
 */
import { leaseFromRow, type ClaimedLease } from "@/lib/ipam/lease-allocator";
import type { NetworkRanges } from "@/lib/ipam/address-space";
import { unsealCaKey } from "@/lib/pki/certificate-authority";
import { hostCertHours } from "@/lib/pki/certificate-service";
import { signHost, type SignedHost, type SignRequest } from "@/lib/pki/sign-host";
import { metrics } from "@/lib/metrics/registry";

/** How long a link's last enrollment is remembered: a rollout enrolls hosts seconds apart. */
const TEMPLATE_MS = 60_000;
/** Links remembered at most, the oldest forgotten first. */
const MAX_TEMPLATES = 256;

/** What one admitted enrollment signed with, and so what the link's next one will probably sign with. */
export interface LinkTemplate {
  linkId: string;
  network: { id: string } & NetworkRanges;
  fixedName: string | null;
  /** Sorted group names, as signed. */
  groups: string[];
  ca: { id: string; certPem: string; keyCiphertext: string; notAfter: Date; version: number };
  /** The address the cursor moved past: the next claim is most likely the one after it. */
  claimedAddress: number;
}

/** Everything a host certificate is signed from, besides the public key and the CA's files. */
export interface SigningInputs {
  linkId: string;
  caId: string;
  name: string;
  groups: string[];
  lease: Pick<ClaimedLease, "ipWithPrefix" | "ip6WithPrefix">;
}

const templates = new Map<string, Omit<LinkTemplate, "claimedAddress"> & { rememberedAt: number }>();
/** Per network, not per link: links into one network share its cursor. One number per network that enrolled a host here. */
const lastClaimed = new Map<string, number>();
let inFlight = 0;

export interface EnrollmentAhead {
  /** The certificate signed ahead, if it was signed from exactly these inputs and succeeded; else null (sign now). */
  signedFor(inputs: SigningInputs): Promise<SignedHost | null>;
  /**
   * The enrollment is over: written and signed from `template`, whose link's next enrollment may
   * then be signed ahead; or null (refused, failed, or nothing signed), which signs nothing ahead
   * for this token until it succeeds again.
   */
  finish(template: LinkTemplate | null): void;
}

/**
 * Signs an enrolling host's certificate from its inputs: the one call both the enrollment and the
 * guess make, so that a certificate signed ahead is exactly the one the enrollment would sign.
 */
export function signEnrollment(ca: SignRequest["ca"], inputs: SigningInputs, publicKeyPem: string): Promise<SignedHost> {
  const { name, groups, lease } = inputs;
  return signHost({ ca, name, ipWithPrefix: lease.ipWithPrefix, ip6WithPrefix: lease.ip6WithPrefix, groups, publicKeyPem, durationHours: hostCertHours() });
}

const sameInputs = (a: SigningInputs, b: SigningInputs) =>
  a.linkId === b.linkId && a.caId === b.caId && a.name === b.name && a.groups.join(",") === b.groups.join(",") && a.lease.ipWithPrefix === b.lease.ipWithPrefix && a.lease.ip6WithPrefix === b.lease.ip6WithPrefix;

/**
 * Called as an enrollment starts (its token well-formed): signs ahead when the replica is idle and
 * the token enrolled a host here moments ago. `finish` must follow, once.
 */
export function beginEnrollment(tokenHash: string, hostname: string, publicKeyPem: string): EnrollmentAhead {
  inFlight++;
  const ahead = inFlight === 1 ? signAhead(tokenHash, hostname, publicKeyPem) : null;
  let ended = false;
  let consumed = false;
  return {
    async signedFor(inputs) {
      if (!ahead || consumed) return null;
      consumed = true;
      if (!sameInputs(ahead.inputs, inputs)) {
        metrics().enrollSignedAhead.inc({ outcome: "discarded" });
        return null;
      }
      const signed = await ahead.signed;
      metrics().enrollSignedAhead.inc({ outcome: signed ? "used" : "failed" });
      return signed;
    },
    finish(template) {
      if (ended) return;
      ended = true;
      inFlight--;
      // Signed ahead but never asked for: the link was refused, or the host waits for approval.
      if (ahead && !consumed) metrics().enrollSignedAhead.inc({ outcome: "discarded" });
      templates.delete(tokenHash);
      if (!template) return;
      if (templates.size >= MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
      const { claimedAddress, ...rest } = template;
      templates.set(tokenHash, { ...rest, rememberedAt: Date.now() });
      lastClaimed.set(template.network.id, claimedAddress);
    },
  };
}

function signAhead(tokenHash: string, hostname: string, publicKeyPem: string): { inputs: SigningInputs; signed: Promise<SignedHost | null> } | null {
  const t = templates.get(tokenHash);
  if (!t) return null;
  const claimed = lastClaimed.get(t.network.id)!; // set with every template, never removed
  if (Date.now() - t.rememberedAt > TEMPLATE_MS) {
    templates.delete(tokenHash);
    return null;
  }
  try {
    const lease = leaseFromRow(t.network, { leaseId: "ahead", address: claimed + 1 });
    const inputs: SigningInputs = { linkId: t.linkId, caId: t.ca.id, name: t.fixedName ?? hostname, groups: t.groups, lease };
    // A failure here only means the enrollment signs as usual: never an unhandled rejection.
    const signed = signEnrollment({ ...t.ca, keyPem: unsealCaKey(t.ca) }, inputs, publicKeyPem).catch(() => null);
    return { inputs, signed };
  } catch {
    return null;
  }
}
