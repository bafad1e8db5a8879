-- Subnet routes (unsafe routes): the subnets a host routes for the overlay, what its certificate carries, and rules limited to one (local_cidr)
ALTER TABLE "Node" ADD COLUMN "unsafeNetworks" TEXT[] DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "Certificate" ADD COLUMN "unsafeNetworks" TEXT[] DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "FirewallRule" ADD COLUMN "localCidr" TEXT;
