/** Liveness: a constant answer with no database work (also the benchmarks' bare-route baseline). */
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" });
}
