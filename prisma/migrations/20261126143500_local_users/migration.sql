-- Local users (issue 11): disabled accounts, and one-time invite and password-reset links (only the SHA-256 of each token is stored)
ALTER TABLE "User" ADD COLUMN "disabledAt" TIMESTAMPTZ(3);

CREATE TYPE "AccountLinkKind" AS ENUM ('invite', 'reset');

CREATE TABLE "AccountLink" (
    "id" UUID NOT NULL,
    "kind" "AccountLinkKind" NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" UUID,
    "note" TEXT NOT NULL DEFAULT '',
    "systemRole" "SystemRole" NOT NULL DEFAULT 'user',
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountLink_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "AccountLink_tokenHash_key" ON "AccountLink"("tokenHash");
CREATE INDEX "AccountLink_kind_createdAt_idx" ON "AccountLink"("kind", "createdAt");
CREATE INDEX "AccountLink_userId_idx" ON "AccountLink"("userId");

ALTER TABLE "AccountLink" ADD CONSTRAINT "AccountLink_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
