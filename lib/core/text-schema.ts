/**
 * The one definition of free text the API takes (names, descriptions, search queries, reasons).
 * Postgres refuses NUL in text ("invalid byte sequence for encoding UTF8: 0x00"), which surfaced
 * as a 500; the other control characters, half surrogate pairs and bidi controls have no business
 * in text that admins read back in the UI, the audit trail and the comments of rendered configs.
 * Schemas whose regex allows only ASCII letters and digits (group and host names) need none of this.
 */
import { z } from "zod";

// C0 (NUL among them), DEL and C1.
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
// The same less tab, line feed and carriage return, which a description sent through the API may hold.
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// Embeddings, overrides and isolates change the order text is shown in, so a name could read
// as another ("Trojan Source").
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
// JSON's "\uD800" escape parses to half a pair, which no UTF-8 can carry. (Bytes that are not
// UTF-8 never get this far: the body and query are decoded with replacement characters.)
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `name`: one line, no bidi controls. `line`: one line (searches, reasons). `multiline`: descriptions. */
export type TextKind = "name" | "line" | "multiline";

/** Why `value` is not acceptable text of this kind, or null when it is. */
export function textProblem(value: string, kind: TextKind): string | null {
  if (LONE_SURROGATE.test(value)) return "Use valid Unicode text";
  if (kind === "multiline" ? CONTROL_BUT_LINE_BREAKS.test(value) : CONTROL.test(value)) {
    return kind === "multiline" ? "Remove control characters" : "Use one line of text without control characters";
  }
  if (kind === "name" && BIDI_CONTROL.test(value)) return "Remove the text direction controls (U+202A to U+202E, U+2066 to U+2069)";
  return null;
}

function text(kind: TextKind, max: number, maxMessage = `Use at most ${max} characters`) {
  return z
    .string()
    .trim()
    .max(max, maxMessage)
    .superRefine((value, ctx) => {
      const problem = textProblem(value, kind);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

/** A name shown to people (a network's, for instance): one line, no control or bidi characters. */
export const nameText = (max: number, maxMessage?: string) => text("name", max, maxMessage);

/** One line: search text, filters, a revocation reason. */
export const lineText = (max: number, maxMessage?: string) => text("line", max, maxMessage);

/** A description: line breaks and tabs are kept, other control characters refused. */
export const descriptionText = (max: number, maxMessage?: string) => text("multiline", max, maxMessage);
