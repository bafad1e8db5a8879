-- When the host first applied the certificate it applies now (Node.appliedCertId): CA retirement waits
-- one lighthouse interval after the last host moved, so that every lighthouse tunnel re-keyed first
ALTER TABLE "Node" ADD COLUMN "appliedCertSince" TIMESTAMPTZ(3);
