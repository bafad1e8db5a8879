/**
 * The nc-agent bundle as hosts download it: a versioned file name, so a URL always means the same
 * bytes, and its SHA-256 for the join page to show beside the command.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { AGENT_VERSION } from "@/lib/agent/protocol";

export const AGENT_FILE_NAME = `nc-agent-${AGENT_VERSION}.mjs`;
export const agentDownloadPath = (base: string) => `${base}/agent/${AGENT_FILE_NAME}`;

let cached: Promise<{ body: Buffer; sha256: string } | null> | null = null;

/** The bundle built with the app (dist/agent), or null when this checkout was never built. */
export function agentBundle(): Promise<{ body: Buffer; sha256: string } | null> {
  cached ??= readFile(path.join(process.cwd(), "dist", "agent", "nc-agent.mjs"))
    .then((body) => ({ body, sha256: createHash("sha256").update(body).digest("hex") }))
    .catch(() => {
      cached = null;
      return null;
    });
  return cached;
}
