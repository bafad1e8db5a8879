import { describe, expect, it } from "vitest";
import { defuseVerdictBanner } from "./verdict-banner";

describe("defuseVerdictBanner", () => {
  it("turns pytest-style banners into dashes, so no line reads as pytest's verdict", () => {
    expect(defuseVerdictBanner("============================ 3 warnings in 170.55s =============================")).toBe("--- 3 warnings in 170.55s ---");
    expect(defuseVerdictBanner("=================================== SUMMARY ====================================")).toBe("--- SUMMARY ---");
  });

  it("leaves every other line as it is", () => {
    for (const line of ["  4163 generated, 4163 passed", "a == b", "", "==="]) expect(defuseVerdictBanner(line)).toBe(line);
  });
});
