-- Lighthouse DNS (issue 12): whether a lighthouse serves nebula's DNS (lighthouse.serve_dns), and where.
-- dnsHost NULL means the lighthouse's own overlay address, so it follows the address.
ALTER TABLE "Node" ADD COLUMN "serveDns" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Node" ADD COLUMN "dnsHost" TEXT;
ALTER TABLE "Node" ADD COLUMN "dnsPort" INTEGER NOT NULL DEFAULT 53;
