import { timingSafeEqual, createHash } from "node:crypto";
import { fleetGauges } from "@/lib/metrics/fleet-gauges";
import { replicaMetricsText } from "@/lib/metrics/worker-metrics";

export const dynamic = "force-dynamic";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Prometheus metrics, behind METRICS_TOKEN (a bearer token): they name routes, counts and
 * expiry dates an outsider has no business seeing. Without the variable the endpoint is off.
 */
export async function GET(req: Request) {
  const token = process.env.METRICS_TOKEN;
  if (!token) return new Response("Metrics are off: set METRICS_TOKEN to turn them on.\n", { status: 404 });
  const header = req.headers.get("authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  // Equal-length digests, so the comparison takes the same time whatever was sent.
  if (!timingSafeEqual(digest(given), digest(token))) {
    return new Response("Send Authorization: Bearer <METRICS_TOKEN>.\n", { status: 401, headers: { "www-authenticate": 'Bearer realm="metrics"' } });
  }
  // The replica's own metrics (summed over its worker processes, when it runs several), then the fleet's, read once.
  const fleet = fleetGauges();
  const [replica, shared] = await Promise.all([replicaMetricsText(), fleet.metrics()]);
  return new Response(replica + shared, { headers: { "content-type": fleet.contentType, "cache-control": "no-store" } });
}
