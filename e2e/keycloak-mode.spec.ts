/** Keycloak mode against a real Keycloak server with the repo's realm file. */
import { expect, test, type Page } from "@playwright/test";

async function keycloakLogin(page: Page, username: string, password: string) {
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with Keycloak" }).click();
  await expect(page).toHaveURL(/localhost:8180\/realms\/nebula\/protocol\/openid-connect\/auth/);
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  await page.locator("#kc-login").click();
  await expect(page.getByRole("heading", { name: "Networks" })).toBeVisible();
}

test.describe.configure({ mode: "serial" });

test("a non-admin signs in through Keycloak, creates a network, and signs out of both", async ({ page }) => {
  await keycloakLogin(page, "bob", "bob-password");
  await expect(page.getByTestId("current-user")).toHaveText("Bob User");
  await expect(page.getByText("System admin")).toHaveCount(0);

  await page.getByRole("link", { name: "New network" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Bob's net");
  await page.getByLabel("Address range (CIDR)").fill("10.77.0.0/16");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.getByRole("heading", { name: "Bob's net" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/localhost:3000\/signin$/);

  // The Keycloak session is gone too: signing in again shows Keycloak's login form, not an instant redirect.
  await page.getByRole("button", { name: "Sign in with Keycloak" }).click();
  await expect(page.locator("#username")).toBeVisible();
  await expect(page).toHaveURL(/localhost:8180/);
});

test("the realm's nebula-admin role shows the admin badge", async ({ page }) => {
  await keycloakLogin(page, "alice", "alice-password");
  await expect(page.getByTestId("current-user")).toHaveText("Alice Admin");
  await expect(page.getByText("System admin")).toBeVisible();
  // A system admin sees Bob's network, read-only.
  const row = page.getByRole("row", { name: /Bob's net/ });
  await expect(row).toContainText("read-only");
});
