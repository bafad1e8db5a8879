import { agentBundle, AGENT_FILE_NAME } from "@/lib/enroll/agent-download";

export const dynamic = "force-dynamic";

/** nc-agent for hosts, at a versioned URL, and its checksum in sha256sum's format. */
export async function GET(_req: Request, { params }: { params: Promise<{ file: string }> }) {
  const { file } = await params;
  if (file !== AGENT_FILE_NAME && file !== `${AGENT_FILE_NAME}.sha256`) return new Response("Not found\n", { status: 404 });
  const bundle = await agentBundle();
  if (!bundle) return new Response("The agent bundle was not built with this server (run `next build`).\n", { status: 503 });
  if (file.endsWith(".sha256")) return new Response(`${bundle.sha256}  ${AGENT_FILE_NAME}\n`, { headers: { "content-type": "text/plain; charset=utf-8" } });
  return new Response(new Uint8Array(bundle.body), {
    headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=31536000, immutable", "x-content-sha256": bundle.sha256 },
  });
}
