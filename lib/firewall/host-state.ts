/**
 * Whether a node takes part in the overlay at all, before any firewall rule is consulted. Pure: no
 * Next, no Prisma. Nebula only forms a tunnel between two hosts that each present a valid,
 * unblocked certificate, so a host without one is cut off in both directions whatever the rules say.
 */

/** A node's lifecycle as the control plane sees it; the service derives it from the stored node. */
export interface HostState {
  status: "pending" | "active" | "blocked";
  /**
   * The node's newest unrevoked certificate: "current" while it is valid, "expired" past its
   * notAfter, "none" when there is no unrevoked one.
   */
  certificate: "current" | "expired" | "none";
  /** A pending node that has sent its public key and waits for an admin, rather than for enrollment. */
  awaitingApproval?: boolean;
}

const CUT_OFF = "so it can reach no one and no one can reach it";

/**
 * Why `name` cannot take part in any flow, or null when it can. Blocking comes first because a
 * blocked node's old certificates are still stored: saying "no certificate" would hide that every
 * peer refuses it on purpose.
 */
export function participationBlocker(name: string, state: HostState): string | null {
  if (state.status === "blocked") return `${name} is blocked: its certificate is on every node's blocklist, ${CUT_OFF}`;
  if (state.status === "pending") {
    return state.awaitingApproval
      ? `${name} is waiting for approval and has no certificate yet, ${CUT_OFF}`
      : `${name} has not enrolled yet and has no certificate, ${CUT_OFF}`;
  }
  // Peers verify the certificate's validity period at handshake, so an expired one is refused.
  if (state.certificate === "expired") return `${name}'s certificate has expired, ${CUT_OFF}`;
  if (state.certificate === "none") return `${name} has no unrevoked certificate, ${CUT_OFF}`;
  return null;
}

/** The parts of a stored node that decide its state; `notAfter` is an ISO timestamp. */
export interface NodeLifecycle {
  status: HostState["status"];
  awaitingApproval: boolean;
  certificate: { notAfter: string; revoked: boolean } | null;
}

/** `now` is passed in so the expiry cut-off is the caller's clock, and testable. */
export function hostStateOf(node: NodeLifecycle, now: Date): HostState {
  const cert = node.certificate;
  const certificate = !cert || cert.revoked ? "none" : Date.parse(cert.notAfter) <= now.getTime() ? "expired" : "current";
  return { status: node.status, certificate, awaitingApproval: node.awaitingApproval };
}
