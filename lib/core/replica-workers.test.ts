import { describe, expect, it } from "vitest";
import { replicaWorkerCount, replicaWorkerIndex } from "./replica-workers";
import { SettingError } from "./whole-number-setting";

describe("NC_WORKERS", () => {
  it("is one process (no primary) unless set", () => {
    expect(replicaWorkerCount({})).toBe(1);
    expect(replicaWorkerCount({ NC_WORKERS: "" })).toBe(1);
    expect(replicaWorkerCount({ NC_WORKERS: "4" })).toBe(4);
  });

  it("refuses what is not a count of processes from 1 to 64, naming the setting", () => {
    for (const bad of ["0", "65", "two", "2.5", "-1"]) {
      expect(() => replicaWorkerCount({ NC_WORKERS: bad })).toThrow(new SettingError(`NC_WORKERS must be a whole number of processes from 1 to 64, not "${bad}"`));
    }
  });

  it("gives a worker the place its primary gave it, and 0 to a replica of one process", () => {
    expect(replicaWorkerIndex({})).toBe(0);
    expect(replicaWorkerIndex({ NC_WORKER_INDEX: "3" })).toBe(3);
    expect(replicaWorkerIndex({ NC_WORKER_INDEX: "x" })).toBe(0);
  });
});
