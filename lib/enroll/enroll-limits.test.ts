import { describe, expect, it } from "vitest";
import { ENROLL_LIMITS, enrollLimits } from "./enroll-limits";

describe("enrollLimits", () => {
  it("is the defaults unless the operator sets them", () => {
    expect(enrollLimits({})).toEqual(ENROLL_LIMITS);
    expect(enrollLimits({ NC_ENROLL_LIMIT_PER_ADDRESS: "500", NC_ENROLL_LIMIT_PER_TOKEN: " 200 " })).toEqual({ perToken: 200, perAddress: 500, windowSeconds: 60 });
  });
  it("refuses a setting that is not a positive whole number, naming it", () => {
    for (const bad of ["0", "-1", "1.5", "lots", "10000000"]) {
      expect(() => enrollLimits({ NC_ENROLL_LIMIT_PER_ADDRESS: bad })).toThrow(`NC_ENROLL_LIMIT_PER_ADDRESS must be a whole number of enrollments per minute from 1 to 9999999, not "${bad}"`);
    }
  });
});
