/**
 * The sign-in page renders fixed words for ?error=, never the parameter itself: a link to
 * /signin?error=<anything> must not put an attacker's sentence on our page.
 */
import { createElement, type ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { AppRouterContext } from "next/dist/shared/lib/app-router-context.shared-runtime";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db/client";
import { LOCAL_ISSUER } from "@/lib/auth/local-accounts";

// Outside a request Next has no cookie store; the page reads none (a signed-out visitor).
vi.mock("next/headers", () => ({ cookies: async () => ({ getAll: () => [] }) }));

const router = { push() {}, replace() {}, refresh() {}, back() {}, forward() {}, prefetch() {} };

async function renderSignIn(error: string): Promise<string> {
  const { default: SignInPage } = await import("./page");
  const tree = (await SignInPage({ searchParams: Promise.resolve({ error }) })) as ReactElement;
  return renderToStaticMarkup(createElement(AppRouterContext.Provider, { value: router as never }, tree));
}

beforeAll(async () => {
  // With no local account the page sends visitors to /setup instead of rendering.
  if (!(await db.user.count({ where: { issuer: LOCAL_ISSUER } }))) {
    await db.user.create({ data: { issuer: LOCAL_ISSUER, subject: "signin-page-test", displayName: "Sign-in page test" } });
  }
});

describe("the sign-in page's error text", () => {
  it("shows fixed words for a known code", async () => {
    expect(await renderSignIn("CredentialsSignin")).toContain("Wrong username or password.");
  });

  it("never renders an arbitrary ?error= string, even one that looks like the throttle's message", async () => {
    for (const phishing of ["Your account is locked. Call +1-555-0100 now", "Too many attempts. Call +1-555-0100 to unlock your account"]) {
      const html = await renderSignIn(phishing);
      expect(html).not.toContain("555-0100");
      expect(html).toContain("Sign-in failed. Try again.");
    }
  });
});
