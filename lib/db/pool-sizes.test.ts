import { describe, expect, it } from "vitest";
import { poolSizes } from "./pool-sizes";

describe("poolSizes", () => {
  it("takes the defaults, or whole numbers from the environment", () => {
    expect(poolSizes({})).toEqual({ main: 10, hotPath: 4 });
    expect(poolSizes({ DATABASE_POOL_SIZE: " 25 ", DATABASE_HOT_POOL_SIZE: "16" })).toEqual({ main: 25, hotPath: 16 });
    expect(poolSizes({ DATABASE_POOL_SIZE: "" })).toEqual({ main: 10, hotPath: 4 });
  });
  it("refuses what is not a sensible number of connections, naming the setting", () => {
    expect(() => poolSizes({ DATABASE_POOL_SIZE: "ten" })).toThrow(/DATABASE_POOL_SIZE must be a whole number.*"ten"/);
    expect(() => poolSizes({ DATABASE_HOT_POOL_SIZE: "0" })).toThrow(/DATABASE_HOT_POOL_SIZE/);
    expect(() => poolSizes({ DATABASE_HOT_POOL_SIZE: "4.5" })).toThrow(/DATABASE_HOT_POOL_SIZE/);
    expect(() => poolSizes({ DATABASE_POOL_SIZE: "5000" })).toThrow(/1 to 1000/);
  });
});
