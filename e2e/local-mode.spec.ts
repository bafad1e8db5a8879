/** Local-account mode on a fresh database: first-run setup through to sign-out. */
import { expect, test, type Page } from "@playwright/test";

const admin = { username: "admin", name: "Ada Admin", email: "ada@example.test", password: "a-long-enough-password" };

async function signIn(page: Page, password: string) {
  await page.goto("/signin");
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test.describe.configure({ mode: "serial" });

test("first-run setup creates the admin and signs in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Your name").fill(admin.name);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("short");
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.locator('[data-field-error="password"]')).toHaveText("Use at least 12 characters");

  await page.getByLabel("Password", { exact: true }).fill(admin.password);
  await page.getByLabel("Confirm password").fill(admin.password);
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.getByRole("heading", { name: "Networks" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveText(admin.name);
  await expect(page.getByText("System admin")).toBeVisible();
  // Setup is a one-time page.
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/signin$|\/$/);
});

test("create a network: inline errors, then listed and audited", async ({ page }) => {
  await signIn(page, admin.password);
  await expect(page.getByRole("heading", { name: "Networks" })).toBeVisible();
  await page.getByRole("link", { name: "New network" }).click();

  await page.getByLabel("Name").fill("Home lab");
  await page.getByLabel("Address range (CIDR)").fill("10.42.0.1/16");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.locator('[data-field-error="cidr"]')).toContainText("Host bits must be zero");
  await expect(page.getByLabel("Address range (CIDR)")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Address range (CIDR)").fill("10.42.0.0/33");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.locator('[data-field-error="cidr"]')).toContainText("between /8 and /30");

  await page.getByLabel("Address range (CIDR)").fill("10.42.0.0/16");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.getByRole("heading", { name: "Home lab" })).toBeVisible();
  await expect(page.getByText("10.42.0.0/16").first()).toBeVisible();

  // An overlapping range is refused inline.
  await page.goto("/networks/new");
  await page.getByLabel("Name").fill("Overlap");
  await page.getByLabel("Address range (CIDR)").fill("10.42.7.0/24");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.locator('[data-field-error="cidr"]')).toContainText('Overlaps your network "Home lab"');

  await page.getByRole("link", { name: "Networks" }).first().click();
  const row = page.getByRole("row", { name: /Home lab/ });
  await expect(row).toContainText("owner");
  await expect(row).toContainText("10.42.0.0/16");
  // The README's picture comes from here, so it always shows the app as it is.
  await page.setViewportSize({ width: 1280, height: 640 });
  await page.screenshot({ path: ".data/test/screenshots/networks.png" });

  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.locator('[data-audit-action="network.create"]')).toContainText("Home lab");
  await page.getByLabel("Action").fill("user.");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.locator('[data-audit-action="network.create"]')).toHaveCount(0);
  await expect(page.locator('[data-audit-action="user.setup"]')).toHaveCount(1);
});

test("wrong password is refused; sign-out ends the session", async ({ page }) => {
  await signIn(page, "not-the-password");
  await expect(page.locator("[data-form-error]")).toContainText("Wrong username or password");
  await signIn(page, admin.password);
  await expect(page.getByRole("heading", { name: "Networks" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin$/);
});
