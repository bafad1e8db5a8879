/**
 * Postgres's nc_lease_host_range (which nc_lease_first_free allocates within) and address-space.ts
 * (which turns a lease number into an address and validates static ones) must agree on the first
 * and last host of every kind of range (the smallest here are the smallest a network may have).
 */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { addressSpace, type NetworkRanges } from "./address-space";

const ranges: NetworkRanges[] = [
  { cidr: "10.0.0.0/8", cidr6: null },
  { cidr: "10.42.0.0/16", cidr6: null },
  { cidr: "192.168.7.0/24", cidr6: null },
  { cidr: "10.1.2.0/30", cidr6: null },
  { cidr: "255.255.255.0/24", cidr6: null },
  { cidr: "10.7.0.0/24", cidr6: "fd42:7::/64" },
  { cidr: null, cidr6: "fd42:abcd:1234::/64" },
  { cidr: null, cidr6: "fd42:1::/48" },
  { cidr: null, cidr6: "fd00::/104" },
  { cidr: null, cidr6: "fd00::/100" },
  { cidr: null, cidr6: "fd00:1::/112" },
];

describe("nc_lease_host_range", () => {
  it.each(ranges)("agrees with address-space.ts on %o", async (range) => {
    const [row] = await db.$queryRawUnsafe<Array<{ first: bigint; last: bigint }>>(`SELECT first, last FROM nc_lease_host_range($1, $2)`, range.cidr, range.cidr6);
    const { start, end } = addressSpace(range).index;
    expect({ first: Number(row!.first), last: Number(row!.last) }).toEqual({ first: start + 1, last: end - 1 });
  });
});
