-- Whether the identity provider vouched for the user's email address. Adding a member by email
-- grants a role only to the one user whose address is verified. Existing users start unverified
-- and become verified at their next Keycloak sign-in if Keycloak says so.
ALTER TABLE "User" ADD COLUMN "emailVerified" BOOLEAN NOT NULL DEFAULT false;
