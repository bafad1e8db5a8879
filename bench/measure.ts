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
    max: samples.length ? Math.max(...samples) : Number.NaN,
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
