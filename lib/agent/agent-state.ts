/** What the agent remembers between runs, kept beside the nebula files (mode 0600: it holds the credential). */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { writeAtomic } from "./files";

export interface AgentState {
  server: string;
  credential: string;
  nodeId: string;
  name: string;
  /** The ETag of the files currently written. */
  etag: string | null;
  pollSeconds: number;
}

export const stateFile = (dir: string) => path.join(dir, "agent.json");

export async function loadState(dir: string): Promise<AgentState> {
  try {
    return JSON.parse(await readFile(stateFile(dir), "utf8")) as AgentState;
  } catch {
    throw new Error(`No agent state in ${dir}: run \`nc-agent enroll <join link>\` first`);
  }
}

export async function saveState(dir: string, state: AgentState): Promise<void> {
  await writeAtomic(stateFile(dir), JSON.stringify(state, null, 2), 0o600);
}
