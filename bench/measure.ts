/** Timing helpers shared by the benchmarks. Figures are printed, never asserted. */

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile: a value that was actually measured, never an interpolation. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const total = samples.reduce((sum, v) => sum + v, 0);
  return {
    count: samples.length,
    mean: samples.length ? total / samples.length : Number.NaN,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length ? samples.reduce((a, b) => Math.max(a, b)) : Number.NaN, // not Math.max(...samples): 150,000 arguments overflow the stack
  };
}

/** Milliseconds spent in `fn`. */
export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** A wall-clock budget, so that a slow machine shortens a benchmark instead of stalling it. */
export class Deadline {
  private readonly endsAt: number;

  constructor(readonly budgetMs: number) {
    this.endsAt = performance.now() + budgetMs;
  }

  get passed(): boolean {
    return performance.now() >= this.endsAt;
  }
}

export function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return "-";
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : "-";
}

/** Runs `fn(0..count-1)` with at most `parallel` calls in flight. */
export async function forEachParallel(count: number, parallel: number, fn: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Sends request i at `times[i]` ms after the start, whether or not earlier ones were answered, and
 * waits for the last answer. `send` gets the scheduled time, so that latency counts from it and a
 * client or connection pool that falls behind adds to it instead of hiding it.
 */
export async function openLoop<A>(times: number[], send: (i: number, scheduledAt: number) => Promise<A>, done: (i: number, answer: A) => void): Promise<void> {
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  let next = 0;
  while (next < times.length) {
    const now = performance.now() - start;
    for (; next < times.length && times[next]! <= now; next++) {
      const i = next;
      pending.push(send(i, start + times[i]!).then((answer) => done(i, answer)));
    }
    if (next < times.length) await sleep(Math.min(times[next]! - (performance.now() - start), 50));
  }
  await Promise.all(pending);
}
