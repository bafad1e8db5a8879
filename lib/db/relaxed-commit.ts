/**
 * A WITH item that makes the statement's own (implicit) transaction commit without waiting for
 * the disk (synchronous_commit off, for that transaction only). For writes whose loss in a
 * database crash costs nothing: a rate-limit hit, an address claim that expires by itself, or a
 * host's report, which its next poll makes again. Each such commit on the hot pool otherwise held
 * its connection for a WAL flush while polls queued behind it (profiled under bench/fleet-scale.ts).
 * The statement must read `relaxed` (e.g. `FROM relaxed, ...`): an unread WITH item is never run.
 */
export const RELAXED_COMMIT = `relaxed AS (SELECT set_config('synchronous_commit', 'off', true))`;
