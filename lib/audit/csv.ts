/**
 * CSV as RFC 4180 writes it, for files that people open in spreadsheets: every cell is quoted
 * when it holds a comma, a quote, CR or LF (quotes doubled), lines end in CRLF, and a cell that a
 * spreadsheet would run as a formula is defused. Pure: no Next, no Prisma.
 */

/**
 * Excel, LibreOffice and Sheets evaluate a cell that starts with = + - @ (and, after trimming, a
 * tab or CR) as a formula, so a target named `=HYPERLINK(...)` would run on the reviewer's
 * machine (CSV injection). A leading apostrophe makes them show it as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
