/** next-auth configuration: Keycloak OIDC when configured, local accounts otherwise. */
import { randomBytes } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import KeycloakProvider from "next-auth/providers/keycloak";
import { clientIpFrom } from "@/lib/core/client-ip";
import { authSecret, keycloakSettings, SESSION_MAX_AGE_SECONDS, secureCookiesEnabled } from "./auth-config";
import { realmRolesOf, upsertKeycloakUser, type OidcProfile } from "./keycloak-users";
import { LoginThrottledError } from "./login-throttle";
import { verifyLocalLogin } from "./local-accounts";

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
          // next-auth hands a thrown message to the sign-in page; only the throttle's message is safe to show.
          if (error instanceof LoginThrottledError) throw new Error(error.message);
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
        if (!account) return token; // an existing session; nothing to refresh
        const sid = randomBytes(16).toString("base64url");
        if (account.provider === "keycloak" && kc && profile) {
          const dbUser = await upsertKeycloakUser(kc.issuer, profile as OidcProfile, realmRolesOf(account.access_token));
          return { uid: dbUser.id, sid, provider: "keycloak", idToken: account.id_token, name: dbUser.displayName, email: dbUser.email };
        }
        return { uid: user.id, sid, provider: account.provider, name: user.name, email: user.email };
      },
      async session({ session, token }) {
        // The browser sees only display fields; the id token and session id stay in the encrypted cookie.
        return { ...session, user: { name: token.name ?? null, email: token.email ?? null } };
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
