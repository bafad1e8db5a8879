-- Keycloak groups of each user (full paths), replaced at sign-in and at every session re-check
ALTER TABLE "User" ADD COLUMN "keycloakGroups" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- Who gets access through a grant is found by the group's name
CREATE INDEX "User_keycloakGroups_idx" ON "User" USING GIN ("keycloakGroups");

CREATE TABLE "NetworkGroupGrant" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "groupName" TEXT NOT NULL,
    "role" "MemberRole" NOT NULL,
    "grantedById" UUID,
    "grantedByName" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "NetworkGroupGrant_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "NetworkGroupGrant_networkId_groupName_key" ON "NetworkGroupGrant"("networkId", "groupName");

ALTER TABLE "NetworkGroupGrant" ADD CONSTRAINT "NetworkGroupGrant_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;
