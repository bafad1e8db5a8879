/** How many polls one replica may hold open at once (long polling, lib/enroll/poll-wait.ts). */
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { wholeNumberSetting, type Env } from "@/lib/core/whole-number-setting";
import { metrics } from "@/lib/metrics/registry";

export const DEFAULT_MAX_WAITING = 25_000;

/** Descriptors a replica keeps from client connections: database pools, the LISTEN connection, nebula-cert's files, logs. */
const DESCRIPTORS_BESIDE_CONNECTIONS = 1_000;

/**
 * Descriptors a replica keeps for everything but held polls: the above, and the connections of
 * hosts between polls or polling plainly. A change answers every held poll at once and, while
 * those answers go out, the plain pollers keep arriving; a replica that had let held polls take
 * all but a sliver of its descriptors then failed to open database connections (500s) and reset
 * new ones (measured by bench/fleet-scale.ts).
 */
function descriptorReserve(openFiles: number): number {
  return Math.max(DESCRIPTORS_BESIDE_CONNECTIONS, Math.ceil(openFiles / 4));
}

/**
 * Client connections a server may have open at once (Node's server.maxConnections): past it, new
 * ones are dropped at once and their clients retry, so the replica never lacks a descriptor for
 * its database. Null when the open-file limit is unknown (no cap).
 */
export function connectionCap(openFiles: number | null = openFileLimit()): number | null {
  return openFiles === null ? null : Math.max(100, openFiles - DESCRIPTORS_BESIDE_CONNECTIONS);
}

/**
 * How long a replica keeps a client's connection open between requests. With Node's 5 s, hosts
 * slow to send their next poll after a change's answer (in bench/fleet-scale.ts, thousands of
 * hosts to a process) found their kept connection closed just as they used it: 10,199 "socket
 * hang up" in one run, none at 20 s. Longer costs descriptors: a host polling plainly every 60 s
 * holds its idle connection about this long after each poll (clients that read the Keep-Alive
 * hint close it a little before the server would).
 */
export const KEEP_ALIVE_MS = 20_000;

/**
 * Sets up a server's client connections: kept open KEEP_ALIVE_MS between requests, and capped at
 * connectionCap. What the cap drops is counted: the client sees only a closed connection, so the
 * count (nc_connections_dropped_total) is the operator's sign to raise the limit.
 */
export function configureConnections(server: Pick<Server, "maxConnections" | "keepAliveTimeout" | "on">, cap: number | null = connectionCap()): void {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  if (cap === null) return;
  server.maxConnections = cap;
  server.on("drop", () => metrics().connectionsDropped.inc());
}

let cachedOpenFiles: number | null | undefined;

/** This process's open-file limit (the soft one, which Node raises to the hard one at start), or null when unknown or unlimited. */
export function openFileLimit(): number | null {
  if (cachedOpenFiles !== undefined) return cachedOpenFiles;
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = Number(line?.trim().split(/\s+/)[3]);
    cachedOpenFiles = Number.isSafeInteger(soft) && soft > 0 ? soft : null;
  } catch {
    cachedOpenFiles = null;
  }
  return cachedOpenFiles;
}

/**
 * NC_LONG_POLL_MAX_WAITING, or the default: 25,000, less where the open-file limit leaves no room
 * for that many beside descriptorReserve. 0 turns long polling off. Past it, polls are answered at
 * once and their hosts poll every interval instead. Validated when the server starts.
 */
export function longPollMaxWaiting(env: Env = process.env, openFiles: number | null = openFileLimit()): number {
  const set = wholeNumberSetting(env, "NC_LONG_POLL_MAX_WAITING", { unit: "requests", min: 0, max: 9_999_999 });
  if (set !== null) return set;
  return openFiles === null ? DEFAULT_MAX_WAITING : Math.min(DEFAULT_MAX_WAITING, Math.max(0, openFiles - descriptorReserve(openFiles)));
}
