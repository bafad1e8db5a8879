/** next-auth configuration: Keycloak OIDC when configured, local accounts otherwise. */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import KeycloakProvider from "next-auth/providers/keycloak";
import { clientIpFrom } from "@/lib/core/client-ip";
import { authSecret, keycloakSettings, SESSION_MAX_AGE_SECONDS, secureCookiesEnabled } from "./auth-config";
import { keycloakClaimsOf, upsertKeycloakUser, type OidcProfile } from "./keycloak-users";
import { LoginThrottledError } from "./login-throttle";
import { LOGIN_THROTTLED_CODE } from "./sign-in-errors";
import { verifyLocalLogin } from "./local-accounts";
import { createUserSession, endSession, sessionIsLive } from "./user-sessions";

function providers(): NextAuthOptions["providers"] {
  const kc = keycloakSettings();
  if (kc) {
    return [
      KeycloakProvider({
        clientId: kc.clientId,
        clientSecret: kc.clientSecret,
        issuer: kc.issuer,
        wellKnown: kc.discoveryUrl,
        // Authorization code flow with PKCE and state; the client secret alone is not enough.
        checks: ["pkce", "state"],
        authorization: { params: { scope: "openid email profile" } },
      }),
    ];
  }
  return [
    CredentialsProvider({
      id: "local",
      name: "Local account",
      credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const username = String(credentials?.username ?? "");
        const password = String(credentials?.password ?? "");
        if (!username || !password) return null;
        const headers = new Headers(req?.headers as Record<string, string> | undefined);
        try {
          return await verifyLocalLogin(username, password, clientIpFrom(headers));
        } catch (error) {
          // next-auth hands a thrown message to the sign-in page as ?error=; send a code the page maps to its own words.
          if (error instanceof LoginThrottledError) throw new Error(LOGIN_THROTTLED_CODE);
          throw error;
        }
      },
    }),
  ];
}

export function authOptions(): NextAuthOptions {
  const kc = keycloakSettings();
  return {
    secret: authSecret(),
    providers: providers(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
    useSecureCookies: secureCookiesEnabled(),
    pages: { signIn: "/signin", error: "/signin" },
    callbacks: {
      async jwt({ token, user, account, profile }) {
        if (!account) {
          // An existing session, re-issued by GET /api/auth/session: an ended one must not come back
          // with a fresh expiry. Throwing makes next-auth clear the cookie; every other request
          // checks the row itself (lib/auth/session.ts).
          if (typeof token.sid !== "string" || !(await sessionIsLive(token.sid))) throw new Error("session ended");
          return token;
        }
        if (account.provider === "keycloak" && kc && profile) {
          const dbUser = await upsertKeycloakUser(kc.issuer, profile as OidcProfile, keycloakClaimsOf(account.access_token));
          // The refresh token stays server-side (sealed), for the periodic re-check; never in the cookie.
          const sid = await createUserSession({ userId: dbUser.id, provider: "keycloak", refreshToken: account.refresh_token });
          return { uid: dbUser.id, sid, provider: "keycloak", idToken: account.id_token, name: dbUser.displayName, email: dbUser.email };
        }
        const sid = await createUserSession({ userId: user.id, provider: account.provider });
        return { uid: user.id, sid, provider: account.provider, name: user.name, email: user.email };
      },
      async session({ session, token }) {
        // The browser sees only display fields; the id token and session id stay in the encrypted cookie.
        return { ...session, user: { name: token.name ?? null, email: token.email ?? null } };
      },
    },
    events: {
      // next-auth's own sign-out (POST /api/auth/signout) ends the server-side session too.
      async signOut({ token }) {
        if (typeof token?.sid === "string") await endSession(token.sid);
      },
    },
    logger: {
      // next-auth's default logger prints whole error objects, which can include tokens.
      error: (code) => console.error(`[auth] ${code}`),
      warn: (code) => console.warn(`[auth] ${code}`),
      debug: () => {},
    },
  };
}
