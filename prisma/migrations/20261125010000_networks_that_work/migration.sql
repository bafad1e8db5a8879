-- CreateEnum
CREATE TYPE "NebulaTarget" AS ENUM ('v1_6', 'v1_7', 'v1_10');

-- CreateEnum
CREATE TYPE "NodeStatus" AS ENUM ('pending', 'active', 'blocked');

-- CreateEnum
CREATE TYPE "CertificateOrigin" AS ENUM ('signed', 'bundle');

-- CreateEnum
CREATE TYPE "RuleDirection" AS ENUM ('inbound', 'outbound');

-- CreateEnum
CREATE TYPE "RuleProto" AS ENUM ('any', 'tcp', 'udp', 'icmp');

-- CreateEnum
CREATE TYPE "PeerKind" AS ENUM ('any', 'group', 'groups', 'cidr', 'host');

-- AlterTable
ALTER TABLE "Network" ADD COLUMN     "certVersion" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "configRevision" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "leaseCursor" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "nebulaTarget" "NebulaTarget" NOT NULL DEFAULT 'v1_6';

-- CreateTable
CREATE TABLE "Ca" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "certPem" TEXT NOT NULL,
    "keyCiphertext" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "notBefore" TIMESTAMPTZ(3) NOT NULL,
    "notAfter" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Ca_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Group" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Node" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "isLighthouse" BOOLEAN NOT NULL DEFAULT false,
    "isRelay" BOOLEAN NOT NULL DEFAULT false,
    "endpoints" TEXT[],
    "listenPort" INTEGER,
    "overrides" JSONB NOT NULL DEFAULT '{}',
    "status" "NodeStatus" NOT NULL DEFAULT 'pending',
    "lastSeenAt" TIMESTAMPTZ(3),
    "renderedEtag" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeGroup" (
    "nodeId" UUID NOT NULL,
    "groupId" UUID NOT NULL,

    CONSTRAINT "NodeGroup_pkey" PRIMARY KEY ("nodeId","groupId")
);

-- CreateTable
CREATE TABLE "Lease" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "address" BIGINT NOT NULL,
    "nodeId" UUID,
    "quarantinedUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Lease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReservedRange" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "start" BIGINT NOT NULL,
    "end" BIGINT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "ReservedRange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Certificate" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "nodeId" UUID,
    "caId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "pem" TEXT NOT NULL,
    "publicKeyPem" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "notBefore" TIMESTAMPTZ(3) NOT NULL,
    "notAfter" TIMESTAMPTZ(3) NOT NULL,
    "ip" TEXT NOT NULL,
    "groups" TEXT[],
    "origin" "CertificateOrigin" NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),
    "revokeReason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Certificate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FirewallRule" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "direction" "RuleDirection" NOT NULL,
    "port" TEXT NOT NULL,
    "proto" "RuleProto" NOT NULL,
    "peerKind" "PeerKind" NOT NULL,
    "peerCidr" TEXT,
    "peerNodeId" UUID,
    "appliesToGroupId" UUID,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FirewallRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RulePeerGroup" (
    "ruleId" UUID NOT NULL,
    "groupId" UUID NOT NULL,

    CONSTRAINT "RulePeerGroup_pkey" PRIMARY KEY ("ruleId","groupId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Ca_fingerprint_key" ON "Ca"("fingerprint");

-- CreateIndex
CREATE INDEX "Ca_networkId_active_idx" ON "Ca"("networkId", "active");

-- CreateIndex
CREATE UNIQUE INDEX "Group_networkId_name_key" ON "Group"("networkId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Node_networkId_name_key" ON "Node"("networkId", "name");

-- CreateIndex
CREATE INDEX "NodeGroup_groupId_idx" ON "NodeGroup"("groupId");

-- CreateIndex
CREATE UNIQUE INDEX "Lease_nodeId_key" ON "Lease"("nodeId");

-- CreateIndex
CREATE INDEX "Lease_networkId_quarantinedUntil_idx" ON "Lease"("networkId", "quarantinedUntil");

-- CreateIndex
CREATE UNIQUE INDEX "Lease_networkId_address_key" ON "Lease"("networkId", "address");

-- CreateIndex
CREATE INDEX "ReservedRange_networkId_idx" ON "ReservedRange"("networkId");

-- CreateIndex
CREATE UNIQUE INDEX "Certificate_fingerprint_key" ON "Certificate"("fingerprint");

-- CreateIndex
CREATE INDEX "Certificate_networkId_revokedAt_idx" ON "Certificate"("networkId", "revokedAt");

-- CreateIndex
CREATE INDEX "Certificate_nodeId_createdAt_idx" ON "Certificate"("nodeId", "createdAt");

-- CreateIndex
CREATE INDEX "FirewallRule_networkId_position_idx" ON "FirewallRule"("networkId", "position");

-- CreateIndex
CREATE INDEX "RulePeerGroup_groupId_idx" ON "RulePeerGroup"("groupId");

-- AddForeignKey
ALTER TABLE "Ca" ADD CONSTRAINT "Ca_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Group" ADD CONSTRAINT "Group_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Node" ADD CONSTRAINT "Node_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeGroup" ADD CONSTRAINT "NodeGroup_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeGroup" ADD CONSTRAINT "NodeGroup_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Lease" ADD CONSTRAINT "Lease_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Lease" ADD CONSTRAINT "Lease_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReservedRange" ADD CONSTRAINT "ReservedRange_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Certificate" ADD CONSTRAINT "Certificate_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Certificate" ADD CONSTRAINT "Certificate_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Certificate" ADD CONSTRAINT "Certificate_caId_fkey" FOREIGN KEY ("caId") REFERENCES "Ca"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FirewallRule" ADD CONSTRAINT "FirewallRule_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FirewallRule" ADD CONSTRAINT "FirewallRule_peerNodeId_fkey" FOREIGN KEY ("peerNodeId") REFERENCES "Node"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FirewallRule" ADD CONSTRAINT "FirewallRule_appliesToGroupId_fkey" FOREIGN KEY ("appliesToGroupId") REFERENCES "Group"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RulePeerGroup" ADD CONSTRAINT "RulePeerGroup_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "FirewallRule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RulePeerGroup" ADD CONSTRAINT "RulePeerGroup_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

