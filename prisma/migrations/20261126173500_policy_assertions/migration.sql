-- Policy tests (issue 12, part 5): assertions about what the firewall rules allow, checked on every rule change.
CREATE TYPE "PolicySelectorKind" AS ENUM ('any', 'group', 'host');
CREATE TYPE "PolicyExpect" AS ENUM ('allowed', 'denied');

CREATE TABLE "PolicyAssertion" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "fromKind" "PolicySelectorKind" NOT NULL,
    "fromGroupId" UUID,
    "fromNodeId" UUID,
    "toKind" "PolicySelectorKind" NOT NULL,
    "toGroupId" UUID,
    "toNodeId" UUID,
    "proto" "RuleProto" NOT NULL,
    "port" INTEGER,
    "expect" "PolicyExpect" NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "lastPassed" BOOLEAN,
    "lastDetail" TEXT,
    "lastTestedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyAssertion_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "PolicyAssertion_networkId_createdAt_idx" ON "PolicyAssertion"("networkId", "createdAt");
CREATE INDEX "PolicyAssertion_fromGroupId_idx" ON "PolicyAssertion"("fromGroupId");
CREATE INDEX "PolicyAssertion_toGroupId_idx" ON "PolicyAssertion"("toGroupId");

-- NO ACTION on groups: a group an assertion names cannot be deleted, while a network delete still cascades (checked at statement end).
ALTER TABLE "PolicyAssertion" ADD CONSTRAINT "PolicyAssertion_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PolicyAssertion" ADD CONSTRAINT "PolicyAssertion_fromGroupId_fkey" FOREIGN KEY ("fromGroupId") REFERENCES "Group"("id") ON DELETE NO ACTION ON UPDATE CASCADE;
ALTER TABLE "PolicyAssertion" ADD CONSTRAINT "PolicyAssertion_toGroupId_fkey" FOREIGN KEY ("toGroupId") REFERENCES "Group"("id") ON DELETE NO ACTION ON UPDATE CASCADE;
ALTER TABLE "PolicyAssertion" ADD CONSTRAINT "PolicyAssertion_fromNodeId_fkey" FOREIGN KEY ("fromNodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PolicyAssertion" ADD CONSTRAINT "PolicyAssertion_toNodeId_fkey" FOREIGN KEY ("toNodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
