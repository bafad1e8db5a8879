-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "pendingPublicKeyPem" TEXT,
ADD COLUMN     "renderedRevision" INTEGER,
ADD COLUMN     "runningEtag" TEXT;

-- CreateTable
CREATE TABLE "EnrollLink" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "maxUses" INTEGER,
    "usedCount" INTEGER NOT NULL DEFAULT 0,
    "presetGroups" TEXT[],
    "fixedName" TEXT,
    "fixedIp" TEXT,
    "isLighthouse" BOOLEAN NOT NULL DEFAULT false,
    "isRelay" BOOLEAN NOT NULL DEFAULT false,
    "endpoints" TEXT[],
    "listenPort" INTEGER,
    "requiresApproval" BOOLEAN NOT NULL DEFAULT false,
    "revokedAt" TIMESTAMPTZ(3),
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnrollLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EnrollUse" (
    "id" UUID NOT NULL,
    "linkId" UUID NOT NULL,
    "nodeId" UUID,
    "nodeName" TEXT NOT NULL,
    "clientIp" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnrollUse_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeCredential" (
    "id" UUID NOT NULL,
    "nodeId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "NodeCredential_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EnrollLink_tokenHash_key" ON "EnrollLink"("tokenHash");

-- CreateIndex
CREATE INDEX "EnrollLink_networkId_createdAt_idx" ON "EnrollLink"("networkId", "createdAt");

-- CreateIndex
CREATE INDEX "EnrollUse_linkId_createdAt_idx" ON "EnrollUse"("linkId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "NodeCredential_tokenHash_key" ON "NodeCredential"("tokenHash");

-- CreateIndex
CREATE INDEX "NodeCredential_nodeId_idx" ON "NodeCredential"("nodeId");

-- AddForeignKey
ALTER TABLE "EnrollLink" ADD CONSTRAINT "EnrollLink_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnrollUse" ADD CONSTRAINT "EnrollUse_linkId_fkey" FOREIGN KEY ("linkId") REFERENCES "EnrollLink"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnrollUse" ADD CONSTRAINT "EnrollUse_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeCredential" ADD CONSTRAINT "NodeCredential_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

