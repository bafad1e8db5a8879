/** Keycloak mode against a real Keycloak server with the repo's realm file. */
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";

/** Where Keycloak runs (scripts/run-tests.ts starts it on 8180; a developer's own may run elsewhere). */
const KEYCLOAK_URL = process.env.KEYCLOAK_URL ?? "http://localhost:8180";
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function keycloakLogin(page: Page, username: string, password: string) {
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with Keycloak" }).click();
  await expect(page).toHaveURL(new RegExp(`^${escaped(KEYCLOAK_URL)}/realms/nebula/protocol/openid-connect/auth`));
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
  await expect(page).toHaveURL(new RegExp(`^${escaped(test.info().project.use.baseURL ?? "")}/signin$`));

  // The Keycloak session is gone too: signing in again shows Keycloak's login form, not an instant redirect.
  await page.getByRole("button", { name: "Sign in with Keycloak" }).click();
  await expect(page.locator("#username")).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`^${escaped(KEYCLOAK_URL)}/`));
});

test("the realm's nebula-admin role shows the admin badge", async ({ page }) => {
  await keycloakLogin(page, "alice", "alice-password");
  await expect(page.getByTestId("current-user")).toHaveText("Alice Admin");
  await expect(page.getByText("System admin")).toBeVisible();
  // A system admin sees Bob's network, read-only.
  const row = page.getByRole("row", { name: /Bob's net/ });
  await expect(row).toContainText("read-only");
});

// ---- issue 11: Keycloak groups -> network roles ----

/** Keycloak's admin REST API as its bootstrap admin (scripts/run-tests.ts sets test-only credentials). */
async function keycloakAdmin() {
  const username = process.env.KEYCLOAK_ADMIN_USERNAME;
  const password = process.env.KEYCLOAK_ADMIN_PASSWORD;
  if (!username || !password) throw new Error("KEYCLOAK_ADMIN_USERNAME and KEYCLOAK_ADMIN_PASSWORD must name Keycloak's bootstrap admin");
  // A fresh token for each call: the master realm's admin tokens live a minute, shorter than this test.
  const adminToken = async () => {
    const res = await fetch(`${KEYCLOAK_URL}/realms/master/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username, password }),
    });
    if (!res.ok) throw new Error(`Keycloak's bootstrap admin cannot sign in: ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${KEYCLOAK_URL}/admin/realms/nebula${path}`, {
      method,
      headers: { authorization: `Bearer ${await adminToken()}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`Keycloak admin API: ${method} ${path} answered ${res.status}`);
    return res;
  };
}

test("a role granted to a Keycloak group follows the group's membership in Keycloak", async ({ page, browser }) => {
  const admin = await keycloakAdmin();
  const groupName = `nc-e2e-${randomBytes(4).toString("hex")}`;
  const created = await admin("POST", "/groups", { name: groupName });
  const groupId = created.headers.get("location")!.split("/").pop()!;
  const [bobUser] = (await (await admin("GET", "/users?username=bob&exact=true")).json()) as Array<{ id: string }>;
  const bobContext = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  try {
    // Alice (a system admin, so also a network creator) owns a network and grants the group viewer.
    await keycloakLogin(page, "alice", "alice-password");
    await page.getByRole("link", { name: "New network" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Group net");
    await page.getByLabel("Address range (CIDR)").fill("10.78.0.0/16");
    await page.getByRole("button", { name: "Create network" }).click();
    await expect(page.getByRole("heading", { name: "Group net" })).toBeVisible();
    const networkId = /\/networks\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.goto(`/networks/${networkId}/members`);
    await expect(page.getByRole("heading", { name: "Group grants" })).toBeVisible();
    await page.getByLabel("Keycloak group (full path)").fill(groupName);
    await page.getByRole("button", { name: "Grant", exact: true }).click();
    await expect(page.getByText(/full path as Keycloak shows it/)).toBeVisible();
    await page.getByLabel("Keycloak group (full path)").fill(`/${groupName}`);
    await page.getByRole("button", { name: "Grant", exact: true }).click();
    const grantRow = page.getByRole("row", { name: new RegExp(`/${groupName}`) });
    await expect(grantRow).toContainText("Alice Admin");
    await expect(grantRow).toContainText("No one yet");

    // Bob is in no group: the network does not exist for him.
    const bob = await bobContext.newPage();
    await keycloakLogin(bob, "bob", "bob-password");
    const bobStatus = async () => (await bob.request.get(`/api/v1/networks/${networkId}`)).status();
    expect(await bobStatus()).toBe(404);

    // Added to the group in Keycloak: at the app's next re-check of his session (5 s in the test
    // run), the refreshed token carries the group and he can read the network, but not change it.
    await admin("PUT", `/users/${bobUser!.id}/groups/${groupId}`);
    await expect.poll(bobStatus, { timeout: 30_000, intervals: [1000] }).toBe(200);
    await bob.goto(`/networks/${networkId}`);
    await expect(bob.getByRole("heading", { name: "Group net" })).toBeVisible();
    await page.reload();
    await expect(grantRow).toContainText("Bob User");

    // Removed from the group: gone again at the next re-check, without signing out.
    await admin("DELETE", `/users/${bobUser!.id}/groups/${groupId}`);
    await expect.poll(bobStatus, { timeout: 30_000, intervals: [1000] }).toBe(404);
    await page.reload();
    await expect(grantRow).toContainText("No one yet");
    // The grant is in the network's trail; Bob's changing groups are in the whole trail (Alice is a system admin).
    await page.goto(`/networks/${networkId}/audit`);
    await expect(page.locator('[data-audit-action="group_grant.add"]')).toHaveCount(1);
    await page.goto("/audit?action=user.groups_changed");
    await expect(page.locator('[data-audit-action="user.groups_changed"]', { hasText: "Bob User" }).first()).toBeVisible();
  } finally {
    await bobContext.close();
    // Best effort: a failed cleanup must not hide the failure that got us here.
    await admin("DELETE", `/groups/${groupId}`).catch((error: unknown) => console.warn(String(error)));
  }
});
