-- IPv6-only networks (v2 certificates, nebula 1.10+) have no IPv4 range. A network has at least one range
ALTER TABLE "Network" ALTER COLUMN "cidr" DROP NOT NULL;
ALTER TABLE "Network" ADD CONSTRAINT "Network_has_a_range" CHECK ("cidr" IS NOT NULL OR "cidr6" IS NOT NULL);
