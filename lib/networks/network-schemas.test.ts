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

describe("networkCreateSchema: dual-stack (issue 12 part 4)", () => {
  const v2 = { name: "n", cidr: "10.42.0.0/16", certVersion: 2, nebulaTarget: "1.10" } as const;

  it("accepts an IPv6 range on a v2 network, in canonical form", () => {
    const r = networkCreateSchema.parse({ ...v2, cidr6: "FD42:ABCD:1234:0::/64" });
    expect(r.cidr6).toBe("fd42:abcd:1234::/64");
  });

  it("refuses an IPv6 range on a v1 network, with a field error saying why", () => {
    const r = networkCreateSchema.safeParse({ name: "n", cidr: "10.42.0.0/16", cidr6: "fd42:abcd:1234::/64" });
    expect(r.success).toBe(false);
    if (!r.success) expect(fieldErrorsOf(r.error).cidr6?.[0]).toMatch(/v2 certificates.*one IPv4 address/);
  });

  it("refuses a malformed range, host bits, and a range too small for the IPv4 host indexes", () => {
    for (const [cidr6, message] of [
      ["fd42::1/64", "Host bits must be zero"],
      ["fe80::/64", "unique local"],
      ["fd42::/120", "between /48 and /112"],
    ] as const) {
      const r = networkCreateSchema.safeParse({ ...v2, cidr6 });
      expect(r.success).toBe(false);
      if (!r.success) expect(fieldErrorsOf(r.error).cidr6?.[0]).toContain(message);
    }
    const small = networkCreateSchema.safeParse({ ...v2, cidr: "10.0.0.0/8", cidr6: "fd42::/112" });
    expect(small.success).toBe(false);
    if (!small.success) expect(fieldErrorsOf(small.error).cidr6?.[0]).toContain("use /104");
  });

  it("treats an empty or null IPv6 range as none", () => {
    expect(networkCreateSchema.parse({ ...v2, cidr6: "" }).cidr6).toBeNull();
    expect(networkCreateSchema.parse({ ...v2, cidr6: null }).cidr6).toBeNull();
  });
});
