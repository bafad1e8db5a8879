-- Hosts report what they applied, separately from what they fetched (issue: truthful status).
ALTER TABLE "Node" RENAME COLUMN "runningEtag" TO "fetchedEtag";
ALTER TABLE "Node" ADD COLUMN "appliedEtag" TEXT,
ADD COLUMN "appliedRevision" INTEGER,
ADD COLUMN "appliedAt" TIMESTAMPTZ(3),
ADD COLUMN "nebulaState" TEXT,
ADD COLUMN "nebulaVersion" TEXT,
ADD COLUMN "agentVersion" TEXT,
ADD COLUMN "lastError" TEXT;

-- AlterTable
ALTER TABLE "Network" ADD COLUMN "pollSeconds" INTEGER NOT NULL DEFAULT 60;

-- CreateTable
CREATE TABLE "RetiredCredential" (
    "tokenHash" TEXT NOT NULL,
    "networkId" UUID NOT NULL,
    "nodeName" TEXT NOT NULL,
    "retiredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RetiredCredential_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateIndex
CREATE INDEX "RetiredCredential_retiredAt_idx" ON "RetiredCredential"("retiredAt");
