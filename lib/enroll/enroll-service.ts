/**
 * Enrollment: a join token, a hostname and the host's own public key become a node with an
 * address, a certificate, a rendered config and a node credential, committed at once with the
 * token's use count. Any failure (nebula-cert included) leaves nothing behind.
 *
 * Nothing is locked while nebula-cert signs, and the database is asked as little as possible
 * (enroll-statements.ts): one statement counts the attempt, reads the link, its network, its
 * groups and the CA, and claims the address (a link's fixed address is claimed by a statement of
 * its own; a claim is returned if anything fails); the certificate is signed (on an idle replica,
 * often while the preflight runs: sign-ahead.ts); and one statement
 * writes the node, its lease,
 * certificate, credential and audit event, and counts the link's use, checking the link again, so
 * that its row is locked only for that commit. A network's enrollments then run side by side
 * instead of one at a time behind the lease lock and the link.
 */
import { transaction, type Tx } from "@/lib/db/client";
import { hotPathPool } from "@/lib/db/pg-pool";
import { isUniqueViolation, onPg, onPrisma } from "@/lib/db/sql-runner";
import { AppError } from "@/lib/core/app-error";
import type { RequestMeta } from "@/lib/core/request-meta";
import { auditActorName } from "@/lib/audit/record-audit";
import { emitWebhookEvents } from "@/lib/webhooks/emit";
import { bumpConfigRevision } from "@/lib/networks/config-revision";
import { CLAIM_SECONDS, claimLease, leaseFromRow, releaseClaimedLease, type ClaimedLease } from "@/lib/ipam/lease-allocator";
import { unsealCaKey } from "@/lib/pki/certificate-authority";
import type { SignedHost } from "@/lib/pki/sign-host";
import { addressLimitKey } from "@/lib/ratelimit/address-key";
import { refuseOver } from "@/lib/ratelimit/enforce-limit";
import { enrollLimits } from "./enroll-limits";
import { linkState } from "./link-service";
import { generateToken, hashToken, JOIN_TOKEN_PREFIX, looksLikeToken, NODE_CREDENTIAL_PREFIX } from "./tokens";
import type { EnrollInput } from "./link-schemas";
import { hostnameTaken, UNUSABLE_LINK_TEXT } from "./join-messages";
import { hostGroupsGuard } from "@/lib/firewall/host-groups-guard";
import { insertEnrollment, readEnrollPreflight, type EnrollPreflight } from "./enroll-statements";
import { beginEnrollment, signEnrollment, type EnrollmentAhead, type LinkTemplate } from "./sign-ahead";

/** One message for every unusable token, so a probe learns nothing about which links exist. */
const unusable = () => new AppError("not_found", UNUSABLE_LINK_TEXT);

export { ENROLL_LIMITS } from "./enroll-limits";

export interface EnrollResult {
  nodeId: string;
  networkId: string;
  networkName: string;
  name: string;
  ip: string;
  status: "active" | "pending";
  credential: string;
}

export async function enroll(input: EnrollInput, meta: RequestMeta): Promise<EnrollResult> {
  if (!looksLikeToken(input.token, JOIN_TOKEN_PREFIX)) throw unusable();
  const tokenHash = hashToken(input.token);
  const ahead = beginEnrollment(tokenHash, input.hostname, input.publicKeyPem);
  let template: LinkTemplate | null = null;
  try {
    const done = await enrollWithToken(input, meta, tokenHash, ahead);
    template = done.template;
    return done.result;
  } finally {
    ahead.finish(template);
  }
}

async function enrollWithToken(input: EnrollInput, meta: RequestMeta, tokenHash: string, ahead: EnrollmentAhead): Promise<{ result: EnrollResult; template: LinkTemplate | null }> {
  const limits = enrollLimits();
  const rateLimits = [
    { key: `enroll:token:${tokenHash}`, windowSeconds: limits.windowSeconds, max: limits.perToken },
    ...(meta.clientIp ? [{ key: addressLimitKey("enroll", meta.clientIp), windowSeconds: limits.windowSeconds, max: limits.perAddress }] : []),
  ];
  const read = await readEnrollPreflight(tokenHash, input.hostname, rateLimits, CLAIM_SECONDS);
  let admitted: ReturnType<typeof admit>;
  let lease: ClaimedLease;
  try {
    refuseOver(rateLimits, read.counts, "enrollment attempts");
    admitted = admit(read, input.hostname);
    const { link, network } = admitted;
    // The preflight claimed the address when the link looked usable (a fixed address is claimed here).
    lease = read.claim ? leaseFromRow(network, read.claim) : await claimLease(network, link.fixedIp);
  } catch (error) {
    // A refusal gives back what the preflight claimed.
    if (read.link && read.claim?.leaseId) await returnClaim(read.link.networkId, read.claim.leaseId);
    throw error;
  }
  const { link, network, name, pending, ca } = admitted;
  const groupNames = link.groups.map((g) => g.name).sort();
  const actor = { id: null, displayName: `join link ${link.description || link.id.slice(0, 8)}` };
  const status = pending ? "pending" : "active";
  try {
    let signed: SignedHost | null = null;
    if (ca) {
      const inputs = { linkId: link.id, caId: ca.id, name, groups: groupNames, lease };
      signed = (await ahead.signedFor(inputs)) ?? (await signEnrollment(ca, inputs, input.publicKeyPem));
    }
    const credential = generateToken(NODE_CREDENTIAL_PREFIX);
    const write = {
      networkId: network.id,
      linkId: link.id,
      leaseId: lease.leaseId,
      name,
      status,
      isLighthouse: link.isLighthouse,
      isRelay: link.isRelay,
      endpoints: link.endpoints,
      listenPort: link.listenPort,
      pendingPublicKeyPem: pending ? input.publicKeyPem : null,
      description: link.description ? `Enrolled with link “${link.description}”` : "Enrolled with a join link",
      groupIds: link.groups.map((g) => g.id),
      credentialHash: hashToken(credential),
      certificate:
        ca && signed
          ? {
              caId: ca.id,
              pem: signed.certPem,
              publicKeyPem: signed.publicKeyPem,
              fingerprint: signed.details.fingerprint,
              notBefore: signed.details.notBefore,
              notAfter: signed.details.notAfter,
              ip: lease.ipWithPrefix,
              // Read back from the certificate, as storeCertificate does.
              ip6: signed.details.networks.find((n) => n.includes(":")) ?? null,
              groups: groupNames,
              unsafeNetworks: signed.details.unsafeNetworks,
            }
          : null,
      audit: { actorName: auditActorName(actor), after: { ip: lease.ip, groups: groupNames, status, linkId: link.id }, requestId: meta.requestId ?? null },
      clientIp: meta.clientIp,
    } as const;
    // Only a new lighthouse or relay appears in other nodes' configs (static_host_map, relays).
    // A plain host changes nobody's config, so it wakes no long poll and leaves no host "behind".
    const bumps = link.isLighthouse || link.isRelay;
    // The link's groups were tested when the link was made (link-service.ts); the rules may have
    // changed since, so a host that would now break a policy assertion is refused, naming it.
    // The policy lock is taken only when the network has assertions, so that enrollments into a
    // network without any (most) stay parallel. The race this leaves open is a host enrolling
    // while the network's first assertion is being added: that assertion's badge may then miss
    // the host until the next test (the "test now" button, or any checked change).
    const guarded = read.guarded && groupNames.length > 0;
    let written: Awaited<ReturnType<typeof insertEnrollment>>;
    try {
      written =
        !guarded && !read.hooked && !bumps
          ? await insertEnrollment(onPg(hotPathPool()), write)
          : await transaction(async (tx) => {
              const guard = guarded ? await hostGroupsGuard(tx, network.id) : null;
              const done = await insertEnrollment(onPrisma(tx), write);
              if (!done.nodeId) return done;
              await guard?.check({ actor, meta, change: `enrolling "${name}" in ${groupNames.join(", ")} through a join link`, hostsChanged: true });
              if (bumps) await bumpConfigRevision(tx, network.id);
              const enrolled = { node: { id: done.nodeId, name, ip: lease.ip, groups: groupNames, status }, link: { id: link.id, description: link.description } };
              await emitWebhookEvents(tx, network.id, [
                { type: "node.enrolled", data: enrolled },
                { type: "link.used", data: { ...enrolled, clientIp: meta.clientIp } },
              ]);
              return done;
            });
    } catch (error) {
      throw isUniqueViolation(error) ? nameTaken(name) : error;
    }
    if (!written.nodeId) {
      throw written.claimHeld ? unusable() : new AppError("conflict", "The address claimed for this enrollment was taken back after a long wait; try again");
    }
    const result: EnrollResult = { nodeId: written.nodeId, networkId: network.id, networkName: link.networkName, name, ip: lease.ip, status, credential };
    // The preflight's claim moved the cursor: the link's next host most likely gets the address after it.
    const template = ca && read.claim && read.ca ? { linkId: link.id, network, fixedName: link.fixedName, groups: groupNames, ca: read.ca, claimedAddress: lease.address } : null;
    return { result, template };
  } catch (error) {
    await returnClaim(network.id, lease.leaseId);
    throw error;
  }
}

/** The checks a usable link, a free name and a CA pass before anything is signed; each refusal throws. */
function admit(read: EnrollPreflight, hostname: string) {
  const link = read.link;
  if (!link || linkState(link) !== "active") throw unusable();
  const network = { id: link.networkId, cidr: link.cidr, cidr6: link.cidr6 };
  const name = link.fixedName ?? hostname;
  // Checked here so that a taken name costs no address; the unique key still decides a race.
  if (read.nameTaken) throw nameTaken(name);
  const pending = link.requiresApproval;
  if (!pending && !read.ca) throw new AppError("conflict", "This network has no active CA");
  const ca = pending || !read.ca ? null : { ...read.ca, keyPem: unsealCaKey(read.ca) };
  return { link, network, name, pending, ca };
}

const nameTaken = (name: string) => new AppError("validation_failed", "Some fields are not valid", { hostname: [hostnameTaken(name)] });

/** Gives a claimed address back at once; if that fails, the claim expires by itself (CLAIM_SECONDS) and the next allocation takes it back. */
async function returnClaim(networkId: string, leaseId: string): Promise<void> {
  await releaseClaimedLease(networkId, leaseId).catch((releaseError: unknown) => {
    console.error(`[enroll] could not return a claimed address at once: ${releaseError instanceof Error ? releaseError.message : String(releaseError)}`);
  });
}

/** What the join page may say about a token: the network's name when usable, nothing otherwise. */
export async function describeJoinToken(token: string, client: Pick<Tx, "enrollLink">) {
  if (!looksLikeToken(token, JOIN_TOKEN_PREFIX)) return null;
  const link = await client.enrollLink.findUnique({ where: { tokenHash: hashToken(token) }, include: { network: { select: { name: true, cidr: true, cidr6: true } } } });
  if (!link || linkState(link) !== "active") return null;
  return { networkName: link.network.name, cidr: link.network.cidr, cidr6: link.network.cidr6, expiresAt: link.expiresAt, requiresApproval: link.requiresApproval, presetGroups: link.presetGroups, fixedName: link.fixedName };
}
