/**
 * Long polling: a config poll that would answer "unchanged" (304) or "still pending" (202) is held
 * open, when the host asks for it (`Prefer: wait=N`), until its network's config revision moves
 * (heard through Postgres LISTEN/NOTIFY on whichever replica made the change) or the wait ends.
 * On a change the poll is answered afresh, and if this host's bundle turned out the same, it goes
 * on waiting: only hosts whose config changed get an answer.
 *
 * Past NC_LONG_POLL_MAX_WAITING held polls on one replica, or when it cannot LISTEN, polls are
 * answered at once, without `Preference-Applied`, and their hosts fall back to plain polling.
 * Those answers also close the connection (answeredPlainly).
 */
import { configChangeFeed } from "@/lib/db/config-change-feed";
import type { RequestMeta } from "@/lib/core/request-meta";
import { LONG_POLL_MAX_SECONDS, PREFER_HEADER, PREFERENCE_APPLIED_HEADER, preferredWait } from "@/lib/agent/protocol";
import { metrics } from "@/lib/metrics/registry";
import { longPollMaxWaiting } from "./long-poll-limit";
import { pollAnswerHeaders, pollConfig, type PollResult } from "./node-api";
import { recheckPoll } from "./poll-recheck";

let unavailableLogged = 0;

/**
 * The answer that sends its host back to plain polling, closing the connection: the host comes
 * back only after its interval, so its connection would sit idle for the keep-alive timeout,
 * holding one of the descriptors that a replica past its bound is short of. Closing it here frees the descriptor
 * whatever the client does: in bench/fleet-scale.ts, hosts that closed it themselves did so
 * seconds late while their own processes were busy, and new connections were dropped at the cap.
 */
function answeredPlainly(result: PollResult): { result: PollResult; headers: Record<string, string> } {
  return { result, headers: { ...pollAnswerHeaders(result), connection: "close" } };
}

/**
 * Long polls admitted on this replica and not yet answered: waiting, or woken and being answered.
 * The bound counts both. Counting only those waiting let a change's wake-up (every woken poll
 * leaves the wait while its answer is rendered, which takes tens of seconds for 15,000 of them)
 * admit new polls into the freed places, so open connections climbed past the bound and the
 * replica ran out of descriptors. On globalThis: the direct routes and Next's bundle share it.
 */
const held = ((globalThis as { __ncHeldPolls?: { count: number } }).__ncHeldPolls ??= { count: 0 });

/** The poll's answer, and the headers to send with it (Preference-Applied when the host could wait). */
export async function pollConfigWaiting(req: Request, meta: RequestMeta): Promise<{ result: PollResult; headers: Record<string, string> }> {
  const readAt = Date.now();
  const result = await pollConfig(req, meta);
  const wanted = preferredWait(req.headers.get(PREFER_HEADER));
  if (wanted === null || wanted <= 0 || result.kind === "config") return { result, headers: pollAnswerHeaders(result) };
  if (held.count >= longPollMaxWaiting()) {
    metrics().longPolls.inc({ end: "refused" });
    return answeredPlainly(result);
  }
  held.count++;
  try {
    return await holdPoll(req, meta, result, readAt, wanted);
  } finally {
    held.count--;
  }
}

/** Holds an admitted poll until its host's bundle changes or the wait ends. */
async function holdPoll(req: Request, meta: RequestMeta, unchanged: Exclude<PollResult, { kind: "config" }>, readAt: number, wanted: number): Promise<{ result: PollResult; headers: Record<string, string> }> {
  let result: PollResult = unchanged;
  const feed = configChangeFeed();
  // Never longer than the interval: a host is seen at least once per interval, as when polling.
  const started = Date.now();
  let seconds = Math.min(wanted, LONG_POLL_MAX_SECONDS, result.pollSeconds);
  let deadline = started + seconds * 1000;
  const gauge = metrics().longPollsWaiting;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    let end;
    gauge.inc();
    try {
      end = await feed.wait(result.networkId, result.revision, readAt, remaining, req.signal);
    } catch (error) {
      metrics().longPolls.inc({ end: "unavailable" });
      if (Date.now() - unavailableLogged > 60_000) {
        unavailableLogged = Date.now();
        console.error(`[long-poll] cannot LISTEN, answering polls at once: ${error instanceof Error ? error.message : String(error)}`);
      }
      return answeredPlainly(result);
    } finally {
      gauge.dec();
    }
    metrics().longPolls.inc({ end });
    if (end !== "changed") break;
    readAt = Date.now();
    // Answered together with the other polls this change woke (poll-recheck.ts).
    result = await recheckPoll(req, meta);
    if (result.kind === "config") break;
    // A shorter interval (the admin changed it) shortens this wait too.
    seconds = Math.min(seconds, result.pollSeconds);
    deadline = Math.min(deadline, started + seconds * 1000);
  }
  return { result, headers: { ...pollAnswerHeaders(result), [PREFERENCE_APPLIED_HEADER]: `wait=${seconds}` } };
}
