import { describe, expect, it } from "vitest";
import { fieldErrorsOf } from "@/lib/core/zod-errors";
import { networkCreateSchema } from "./network-schemas";

describe("networkCreateSchema", () => {
  it("accepts a private range and trims the name", () => {
    const r = networkCreateSchema.parse({ name: "  office ", cidr: "10.42.0.0/16" });
    expect(r).toEqual({ name: "office", cidr: "10.42.0.0/16", description: "", confirmPublicRange: false, caName: "", caDurationDays: 730, certVersion: 1, nebulaTarget: "1.6" });
  });

  it("collects every field error at once", () => {
    const r = networkCreateSchema.safeParse({ name: "x".repeat(65), cidr: "10.42.0.1/16" });
    expect(r.success).toBe(false);
    if (!r.success) {
      const fields = fieldErrorsOf(r.error);
      expect(fields.name).toEqual(["Use at most 64 characters"]);
      expect(fields.cidr?.[0]).toContain("Host bits must be zero");
    }
  });

  it("asks for confirmation of a public range", () => {
    expect(networkCreateSchema.safeParse({ name: "n", cidr: "8.8.8.0/24" }).success).toBe(false);
    expect(networkCreateSchema.safeParse({ name: "n", cidr: "8.8.8.0/24", confirmPublicRange: true }).success).toBe(true);
  });

  it("rejects unknown fields and empty names", () => {
    const r = networkCreateSchema.safeParse({ name: "", cidr: "10.0.0.0/8", ownerId: "someone" });
    expect(r.success).toBe(false);
    if (!r.success) {
      const fields = fieldErrorsOf(r.error);
      expect(fields.name).toEqual(["Enter a name"]);
      expect(Object.keys(fields)).toContain("_");
    }
  });
});
