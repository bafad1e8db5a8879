/** Prints one benchmark's result: what it measured, the goal, and its figures beside the baseline. */

export interface BenchmarkReport {
  title: string;
  goal: string;
  columns: string[];
  rows: string[][];
  notes?: string[];
}

export function printReport(report: BenchmarkReport): void {
  const widths = report.columns.map((column, i) => Math.max(column.length, ...report.rows.map((row) => (row[i] ?? "").length)));
  // The first column is a label; figures are right-aligned so their digits line up.
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  console.log(`\n== ${report.title} ==`);
  console.log(`goal: ${report.goal}`);
  console.log(line(report.columns));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of report.rows) console.log(line(report.columns.map((_, i) => row[i] ?? "")));
  for (const note of report.notes ?? []) console.log(`note: ${note}`);
}
