import { readiness } from "@/lib/db/readiness";

export const dynamic = "force-dynamic";

/** Readiness for load balancers and compose healthchecks; /api/health stays liveness only. */
export async function GET() {
  const r = await readiness();
  return Response.json(r.ready ? { status: "ready" } : { status: "not ready", reason: r.reason }, { status: r.ready ? 200 : 503, headers: { "cache-control": "no-store" } });
}
