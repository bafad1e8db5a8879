-- CA rotation: a CA's lifecycle replaces the active flag.
-- Only the newest active CA of a network was ever trusted and signing, so it becomes current and any other becomes retired.
CREATE TYPE "CaState" AS ENUM ('current', 'next', 'previous', 'retired');

ALTER TABLE "Ca" ADD COLUMN "state" "CaState" NOT NULL DEFAULT 'current',
ADD COLUMN "trustedFromRevision" INTEGER,
ADD COLUMN "signingSince" TIMESTAMPTZ(3),
ADD COLUMN "retiredAt" TIMESTAMPTZ(3);

UPDATE "Ca" c SET "state" = 'retired', "retiredAt" = now()
WHERE NOT c."active" OR EXISTS (SELECT 1 FROM "Ca" o WHERE o."networkId" = c."networkId" AND o."active" AND o."createdAt" > c."createdAt");
UPDATE "Ca" SET "signingSince" = "createdAt", "trustedFromRevision" = 0 WHERE "state" = 'current';

DROP INDEX "Ca_networkId_active_idx";
ALTER TABLE "Ca" DROP COLUMN "active";
CREATE INDEX "Ca_networkId_state_idx" ON "Ca"("networkId", "state");

-- What the hosts applied, for counting a rotation's progress.
ALTER TABLE "Node" ADD COLUMN "renderedCertId" UUID,
ADD COLUMN "appliedCertId" UUID;

CREATE TABLE "WebhookCaNotice" (
    "caId" UUID NOT NULL,
    "days" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookCaNotice_pkey" PRIMARY KEY ("caId","days")
);

ALTER TABLE "WebhookCaNotice" ADD CONSTRAINT "WebhookCaNotice_caId_fkey" FOREIGN KEY ("caId") REFERENCES "Ca"("id") ON DELETE CASCADE ON UPDATE CASCADE;
