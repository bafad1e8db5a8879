import { describe, expect, it } from "vitest";
import { descriptionText, lineText, nameText, textProblem } from "./text-schema";

const controls = ["\u0000", "\u0001", "\u001B", "\u007F", "\u0085", "\u009F"];
const bidi = ["\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"];
const loneSurrogates = ["\uD800", "\uDBFF", "\uDC00", "x\uDFFFy"];
const lineBreaks = ["\n", "\r\n", "\t"];

describe("the shared text schemas", () => {
  it.each(controls)("refuse the control character U+%s everywhere", (c) => {
    for (const kind of ["name", "line", "multiline"] as const) expect(textProblem(`a${c}b`, kind), kind).not.toBeNull();
  });

  it.each(loneSurrogates.map((s) => [JSON.stringify(s).slice(1, -1), s]))("refuse half a surrogate pair (%s) everywhere", (_, s) => {
    for (const kind of ["name", "line", "multiline"] as const) expect(textProblem(`a${s}b`, kind), kind).not.toBeNull();
  });

  it("refuse bidi overrides and isolates in names only", () => {
    for (const c of bidi) {
      expect(textProblem(`net${c}exe`, "name")).not.toBeNull();
      expect(textProblem(`net${c}exe`, "multiline")).toBeNull();
    }
  });

  it("keep line breaks and tabs in descriptions, not in names or one-line text", () => {
    for (const c of lineBreaks) {
      expect(textProblem(`a${c}b`, "multiline")).toBeNull();
      expect(textProblem(`a${c}b`, "name")).not.toBeNull();
      expect(textProblem(`a${c}b`, "line")).not.toBeNull();
    }
  });

  it("take ordinary text of any script, emoji (whole surrogate pairs) and U+FFFD", () => {
    for (const text of ["Production", "grüße", "東京 office", "ünïcödé – “quoted”", "deploy 🚀", "\uFFFD"]) {
      expect(nameText(64).safeParse(text).success, text).toBe(true);
      expect(lineText(64).safeParse(text).success, text).toBe(true);
      expect(descriptionText(64).safeParse(text).success, text).toBe(true);
    }
  });

  it("trim, bound the length and report a field error rather than throw", () => {
    expect(nameText(8).parse("  web  ")).toBe("web");
    const long = nameText(3).safeParse("abcd");
    expect(long.success).toBe(false);
    expect(long.error?.issues[0]?.message).toBe("Use at most 3 characters");
    const nul = descriptionText(20).safeParse("a\u0000b");
    expect(nul.error?.issues.map((i) => i.message)).toEqual(["Remove control characters"]);
    expect(nameText(64).min(1, "Enter a name").safeParse("   ").error?.issues.map((i) => i.message)).toEqual(["Enter a name"]);
  });
});
