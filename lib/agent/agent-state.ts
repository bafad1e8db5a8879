/** What the agent remembers between runs, kept beside the nebula files (mode 0600: it holds the credential). */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { writeAtomic } from "./files";

export interface AgentState {
  server: string;
  insecureHttp: boolean;
  credential: string;
  nodeId: string;
  name: string;
  ip: string;
  /** The bundle last written to disk (fetched), and the one nebula accepted (applied). */
  fetchedEtag: string | null;
  appliedEtag: string | null;
  appliedRestartKey: string | null;
  appliedRevision: number | null;
  pollSeconds: number;
  lastPollAt: string | null;
  lastError: string | null;
}

/** The state of a host that has just enrolled: nothing fetched, nothing applied yet. */
export function freshState(enrolled: Pick<AgentState, "server" | "insecureHttp" | "credential" | "nodeId" | "name" | "ip">): AgentState {
  return { ...enrolled, fetchedEtag: null, appliedEtag: null, appliedRestartKey: null, appliedRevision: null, pollSeconds: 60, lastPollAt: null, lastError: null };
}

export const stateFile = (dir: string) => path.join(dir, "agent.json");

export async function loadState(dir: string): Promise<AgentState> {
  let text: string;
  try {
    text = await readFile(stateFile(dir), "utf8");
  } catch {
    throw new Error(`No agent state in ${dir}: run \`nc-agent enroll <join link>\` first`);
  }
  const raw = JSON.parse(text) as Partial<AgentState> & { etag?: string | null };
  // State written by agents before 0.2 had one "etag" for what was on disk.
  return { ...freshState({ server: "", insecureHttp: false, credential: "", nodeId: "", name: "", ip: "" }), fetchedEtag: raw.etag ?? null, ...raw } as AgentState;
}

export async function saveState(dir: string, state: AgentState): Promise<void> {
  await writeAtomic(stateFile(dir), JSON.stringify(state, null, 2), 0o600);
}
