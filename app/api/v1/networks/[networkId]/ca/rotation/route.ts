import { withNetwork } from "@/lib/api/with-network";
import { rotationStartSchema, rotationStatus, startRotation } from "@/lib/pki/ca-rotation";

/** The rotation's phase and progress, counted from what hosts reported applying. */
export const GET = withNetwork({ role: "viewer", scope: "certificates:read" }, async ({ access }) => ({ rotation: await rotationStatus(access.network.id) }));

/** Starts a rotation: the next CA joins every host's trust bundle; the current one still signs. */
export const POST = withNetwork({ role: "owner", body: rotationStartSchema, status: 201, scope: "certificates:rotate" }, async ({ actor, access, body, meta }) => {
  const ca = await startRotation(actor, access.network.id, body, meta);
  return { ca, rotation: await rotationStatus(access.network.id) };
});
