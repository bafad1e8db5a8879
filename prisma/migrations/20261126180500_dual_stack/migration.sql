-- Dual-stack networks (issue 12 part 4): an optional IPv6 range on v2 networks, and the IPv6
-- network a host certificate carries beside its IPv4 one. Host IPv6 addresses are derived from
-- the IPv4 leases, so no lease column is needed.
ALTER TABLE "Network" ADD COLUMN "cidr6" TEXT;
ALTER TABLE "Certificate" ADD COLUMN "ip6" TEXT;
