/** Local-account mode on a fresh database: first-run setup through to sign-out. */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

const admin = { username: "admin", name: "Ada Admin", email: "ada@example.test", password: "a-long-enough-password" };

async function signIn(page: Page, password: string) {
  await page.goto("/signin");
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test.describe.configure({ mode: "serial" });

test("first-run setup needs the code from the server's log, then creates the admin and signs in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  // A visitor without the code cannot take the instance.
  await page.getByLabel("Setup code").fill("AAAAA-BBBBB-CCCCC");
  await page.getByLabel("Username").fill("intruder");
  await page.getByLabel("Your name").fill("Intruder");
  await page.getByLabel("Email").fill("intruder@example.test");
  await page.getByLabel("Password", { exact: true }).fill("a-long-enough-password");
  await page.getByLabel("Confirm password").fill("a-long-enough-password");
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.locator('[data-field-error="code"]')).toHaveText("That is not this server's setup code. The server prints it in its log when it starts.");

  // The person who started the server has the link in its log.
  const logFile = process.env.LOCAL_APP_LOG;
  expect(logFile, "LOCAL_APP_LOG names the app's log").toBeTruthy();
  const link = /Create one at (\S+) \(the setup code is only in this log\)/.exec(readFileSync(logFile!, "utf8"))?.[1];
  expect(link, "the server printed the setup link").toBeTruthy();
  await page.goto(link!);
  await expect(page.getByLabel("Setup code")).not.toHaveValue("");
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

  await page.getByLabel("Name", { exact: true }).fill("Home lab");
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
  await page.getByLabel("Name", { exact: true }).fill("Overlap");
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
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin$/);
});

/** A host key pair made the way a host makes one, with the real nebula-cert. */
function hostPublicKey(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "nc-e2e-"));
  try {
    execFileSync(process.env.NEBULA_CERT_BIN ?? "/usr/bin/nebula-cert", ["keygen", "-out-pub", `${dir}/h.pub`, "-out-key", `${dir}/h.key`], { timeout: 10_000 });
    return readFileSync(`${dir}/h.pub`, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("build a network in the UI: CA, groups, a lighthouse, nodes, rules, reachability, config", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();

  await page.getByRole("link", { name: "Certificates" }).click();
  await expect(page.getByRole("region", { name: "Certificate authority" })).toContainText("Home lab CA");
  await expect(page.getByRole("region", { name: "Certificate authority" })).toContainText(/[0-9a-f]{64}/);

  await page.getByRole("link", { name: "Groups" }).click();
  for (const g of ["web", "db"]) {
    await page.getByLabel("New group").fill(g);
    await page.getByRole("button", { name: "Create" }).click();
    await expect(page.getByRole("row", { name: new RegExp(`^${g}`) })).toBeVisible();
  }
  await page.getByLabel("New group").fill("bad name!");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.locator('[data-field-error="name"]')).toContainText("Use letters, digits");

  await page.getByRole("link", { name: "Nodes" }).click();
  const addNode = async (name: string, opts: { group?: string; lighthouse?: boolean }) => {
    await page.getByRole("button", { name: "Add node" }).first().click();
    await page.getByLabel("Hostname").fill(name);
    if (opts.group) await page.locator("label", { hasText: new RegExp(`^${opts.group}$`) }).click();
    if (opts.lighthouse) {
      await page.getByLabel("Lighthouse").check();
      await page.getByLabel(/Public endpoints/).fill("192.0.2.1:4242");
      await page.getByLabel("Listen port").fill("4242");
    }
    await page.getByLabel(/Host public key/).fill(hostPublicKey());
    await page.getByRole("button", { name: "Add node" }).last().click();
    await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("active");
  };
  // A lighthouse without an endpoint is refused inline.
  await page.getByRole("button", { name: "Add node" }).first().click();
  await page.getByLabel("Hostname").fill("lh-bad");
  await page.getByLabel("Lighthouse").check();
  await page.getByRole("button", { name: "Add node" }).last().click();
  await expect(page.locator('[data-field-error="endpoints"]')).toContainText("at least one public endpoint");
  await page.getByRole("button", { name: "Cancel" }).click();

  await addNode("lighthouse-1", { lighthouse: true });
  await addNode("web-1", { group: "web" });
  await addNode("db-1", { group: "db" });
  await expect(page.getByRole("row", { name: /lighthouse-1/ })).toContainText("10.42.0.1");

  await page.getByRole("link", { name: "Firewall" }).click();
  await page.getByRole("button", { name: "Add rule" }).click();
  const form = page.getByRole("form", { name: "New rule" });
  await form.getByLabel("Port").fill("5432");
  await form.getByLabel("Peer group").selectOption("web");
  await form.getByLabel("Applies to").selectOption("db");
  await form.getByLabel("Description").fill("web to postgres");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByRole("list", { name: "Firewall rules" })).toContainText("web to postgres");

  // The node pickers search the server as one types (a network may have 10,000 nodes).
  const pick = async (label: string, name: string) => {
    const box = page.getByRole("combobox", { name: label, exact: true });
    await box.fill(name.slice(0, 4));
    await page.getByRole("listbox", { name: `${label}: matching nodes` }).getByRole("option", { name: new RegExp(`^${name}\\b`) }).click();
    await expect(box).toHaveValue(name);
  };
  await pick("From", "web-1");
  await pick("To", "db-1");
  await page.getByLabel("Port", { exact: true }).last().fill("5432");
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByTestId("reachability-answer")).toContainText("web-1 can reach db-1 on tcp/5432");
  await pick("From", "db-1");
  await pick("To", "web-1");
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByTestId("reachability-answer")).toContainText("No inbound rule on web-1");
  await expect(page.getByRole("table", { name: "Group matrix" })).toContainText("tcp/5432");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: ".data/test/screenshots/firewall.png", fullPage: true });

  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("link", { name: "db-1" }).click();
  const config = page.getByTestId("config-preview");
  await expect(config).toContainText('port: "5432"');
  await expect(config).toContainText('group: "web"');
  await expect(config).toContainText("am_lighthouse: false");

  await page.getByRole("link", { name: "Overview" }).click();
  await expect(page.getByRole("group", { name: /Topology: 1 lighthouses, 0 relays, 2 hosts/ })).toBeVisible();
  await page.screenshot({ path: ".data/test/screenshots/overview.png" });
});

test("join links: shown once with a QR code, a join page that leaks nothing once revoked", async ({ page, context }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.getByRole("link", { name: "Join links" }).click();
  await page.getByRole("button", { name: "New join link" }).click();
  const form = page.getByRole("form", { name: "New join link" });
  await form.getByLabel("Description").fill("web servers");
  await form.locator("label", { hasText: /^web$/ }).click();
  await form.getByLabel("Uses").selectOption("n");
  await form.getByLabel("N", { exact: true }).fill("3");
  await form.getByRole("button", { name: "Create link" }).click();
  const joinUrl = (await page.getByTestId("join-url").textContent())!;
  expect(joinUrl).toMatch(/\/join\/ncj_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByRole("img", { name: "QR code of the join link" })).toBeVisible();
  await expect(page.getByRole("row", { name: /web servers/ })).toContainText("0 / 3");

  const visitor = await context.newPage();
  await visitor.goto(joinUrl);
  await expect(visitor.getByRole("heading", { name: "Join “Home lab”" })).toBeVisible();
  // This app is served over plain http, so the page warns and every command carries --insecure-http.
  await expect(visitor.getByRole("note")).toContainText("plain http");
  await expect(visitor.getByText(`curl -fsSL ${joinUrl}/install.sh | sh -s -- --insecure-http`, { exact: true })).toBeVisible();
  await expect(visitor.getByText(`curl -fsSL ${joinUrl}/install.sh | sudo sh -s -- --insecure-http`, { exact: true })).toBeVisible();
  await expect(visitor.getByText(/--hostname web1 --dir \/etc\/nebula/)).toBeVisible();
  // nc-agent from this server, with the checksum of exactly what it serves.
  const download = (await visitor.locator('pre[data-command="agent-download"]').textContent())!;
  const agentUrl = /curl -fsSLo \/usr\/local\/bin\/nc-agent (\S+)/.exec(download)![1]!;
  expect(agentUrl).toMatch(/\/agent\/nc-agent-\d+\.\d+\.\d+\.mjs$/);
  const agent = await visitor.request.get(agentUrl);
  expect(agent.ok()).toBe(true);
  expect(download).toContain(createHash("sha256").update(await agent.body()).digest("hex"));
  const script = await visitor.request.get(`${joinUrl}/install.sh`);
  expect(await script.text()).toMatch(/^#!\/bin\/sh/);

  await page.getByRole("row", { name: /web servers/ }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("row", { name: /web servers/ })).toContainText("revoked");
  await visitor.reload();
  await expect(visitor.getByRole("heading", { name: "This join link cannot be used" })).toBeVisible();
  await expect(visitor.getByText("Home lab")).toHaveCount(0);
});

test("every page passes axe-core with no serious or critical violation, in light and dark mode", async ({ page, context }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.waitForURL(/\/networks\/[0-9a-f-]{36}$/);
  const network = new URL(page.url()).pathname;
  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("link", { name: "db-1" }).click();
  await page.waitForURL(/\/nodes\/[0-9a-f-]{36}$/);
  const node = new URL(page.url()).pathname;
  await page.goto(`${network}/links`);
  await page.getByRole("button", { name: "New join link" }).click();
  await page.getByRole("form", { name: "New join link" }).getByLabel("Description").fill("axe");
  await page.getByRole("form", { name: "New join link" }).getByRole("button", { name: "Create link" }).click();
  const joinUrl = (await page.getByTestId("join-url").textContent())!;
  const pages = [
    "/",
    "/audit",
    "/networks/new",
    network,
    `${network}/nodes`,
    node,
    `${network}/groups`,
    `${network}/firewall`,
    `${network}/links`,
    `${network}/certificates`,
    `${network}/members`,
    `${network}/audit`,
    `${network}/settings`,
    new URL(joinUrl).pathname,
  ];
  const visitor = await context.browser()!.newContext({ baseURL: new URL(page.url()).origin });
  const failures: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    const signedOut = await visitor.newPage();
    await signedOut.emulateMedia({ colorScheme });
    for (const [who, p, url] of [...pages.map((u) => ["admin", page, u] as const), ["visitor", signedOut, "/signin"] as const]) {
      await p.goto(url);
      await p.waitForLoadState("networkidle");
      const results = await new AxeBuilder({ page: p }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
      for (const v of results.violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
        failures.push(`${colorScheme} ${url} (${who}): ${v.id} (${v.impact}) ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
      }
    }
    await signedOut.close();
  }
  await visitor.close();
  expect(failures, failures.join("\n")).toEqual([]);
});

test("pages carry a per-request CSP nonce, and run without a single CSP violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  await page.exposeFunction("reportCspViolation", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { reportCspViolation: (v: string) => void }).reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} on ${location.pathname}`);
    });
  });
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.waitForURL(/\/networks\/[0-9a-f-]{36}$/);
  const network = new URL(page.url()).pathname;
  const nonces = new Set<string>();
  for (const url of ["/", network, `${network}/nodes`, `${network}/firewall`, `${network}/links`, "/signin"]) {
    const response = await page.goto(url);
    await page.waitForLoadState("networkidle");
    const policy = (await response!.headerValue("content-security-policy")) ?? "";
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce, `${url} has a nonce in its policy`).toBeTruthy();
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    nonces.add(nonce!);
    // Next put that nonce on the scripts it rendered (the attribute reads back empty: browsers hide it from the DOM).
    expect(await page.locator("script[nonce]").count(), `${url} scripts carry the nonce`).toBeGreaterThan(0);
    expect(await response!.headerValue("permissions-policy")).toContain("camera=()");
  }
  expect(nonces.size, "a fresh nonce per page load").toBe(6);
  // The pages above are client-rendered too; a blocked script would have left them dead.
  await page.goto(`${network}/links`);
  await page.getByRole("button", { name: "New join link" }).click();
  await expect(page.getByRole("form", { name: "New join link" })).toBeVisible();
  expect(violations).toEqual([]);
});

// ---- issue 11: local users (invite, reset, disable) ----

test("local users: an invite, a member chosen by name, a reset link, and disabling signs the user out", async ({ page, browser }) => {
  const grace = { username: "grace", name: "Grace Hopper", password: "grace-first-password", newPassword: "grace-second-password" };
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.getByLabel("Who is it for? (optional)").fill("Grace from ops");
  await page.getByRole("button", { name: "Invite user" }).click();
  const inviteUrl = (await page.getByTestId("invite-url").textContent())!;
  expect(inviteUrl).toMatch(/\/invite\/nci_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByRole("img", { name: "QR code of the invite link" })).toBeVisible();
  await expect(page.getByRole("row", { name: /Grace from ops/ })).toBeVisible();

  // Grace, in a browser of her own.
  const graceContext = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const gracePage = await graceContext.newPage();
  await gracePage.goto(inviteUrl);
  await expect(gracePage.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await gracePage.getByLabel("Username").fill(grace.username);
  await gracePage.getByLabel("Your name").fill(grace.name);
  await gracePage.getByLabel("Password", { exact: true }).fill(grace.password);
  await gracePage.getByLabel("Confirm password").fill(grace.password);
  await gracePage.getByRole("button", { name: "Create account" }).click();
  await expect(gracePage.getByRole("heading", { name: "Networks" })).toBeVisible();
  await expect(gracePage.getByTestId("current-user")).toHaveText(grace.name);
  // Used once: the link is spent.
  const again = await graceContext.newPage();
  await again.goto(inviteUrl);
  await expect(again.getByRole("heading", { name: "This invite cannot be used" })).toBeVisible();
  await again.close();

  // The admin adds her to a network by choosing her, not by typing an address.
  await page.goto("/");
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.getByRole("link", { name: "Members" }).click();
  const picker = page.getByRole("combobox", { name: "Add a member" });
  await picker.fill("g");
  await expect(page.getByText("Type at least 2 characters.")).toBeVisible();
  await picker.fill("grac");
  await page.getByRole("option", { name: /Grace Hopper/ }).click();
  await expect(picker).toHaveValue("Grace Hopper (grace)");
  await page.getByRole("form", { name: "Add a member" }).getByLabel("Role").selectOption("viewer");
  await page.getByRole("form", { name: "Add a member" }).getByRole("button", { name: "Add" }).click();
  await expect(page.getByRole("row", { name: /Grace Hopper/ })).toBeVisible();
  await gracePage.goto("/");
  await expect(gracePage.getByRole("link", { name: "Home lab" })).toBeVisible();

  // A reset link: Grace sets a new password with it, and her open session ends.
  await page.goto("/users");
  await page.getByRole("button", { name: "Reset link: Grace Hopper" }).click();
  await page.getByRole("button", { name: "Confirm reset link" }).click();
  const resetUrl = (await page.getByTestId("reset-url").textContent())!;
  expect(resetUrl).toMatch(/\/reset\/ncr_[A-Za-z0-9_-]{43}$/);
  const resetPage = await graceContext.newPage();
  await resetPage.goto(resetUrl);
  await resetPage.getByLabel("New password", { exact: true }).fill(grace.newPassword);
  await resetPage.getByLabel("Confirm password").fill(grace.newPassword);
  await resetPage.getByRole("button", { name: "Set password" }).click();
  await expect(resetPage.getByRole("heading", { name: "Networks" })).toBeVisible();
  await expect(resetPage.getByTestId("current-user")).toHaveText(grace.name);
  await resetPage.close();

  // Disabled: her open page is signed out on its next request, and she cannot sign in again.
  await page.reload();
  await page.getByRole("button", { name: "Disable: Grace Hopper" }).click();
  await page.getByRole("button", { name: "Confirm disable" }).click();
  await expect(page.getByText("Grace Hopper is disabled and signed out everywhere")).toBeVisible();
  await expect(page.getByRole("row", { name: /Grace Hopper/ })).toContainText("disabled");
  await gracePage.getByRole("link", { name: "Home lab" }).click();
  await expect(gracePage).toHaveURL(/\/signin/);
  await gracePage.getByLabel("Username").fill(grace.username);
  await gracePage.getByLabel("Password").fill(grace.newPassword);
  await gracePage.getByRole("button", { name: "Sign in" }).click();
  await expect(gracePage.locator("[data-form-error]")).toContainText("Wrong username or password");
  await graceContext.close();

  // The admin's own account page: password change and sign-out everywhere; both new pages pass axe.
  await page.getByTestId("current-user").click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out everywhere" }).first()).toBeVisible();
  for (const url of ["/users", "/account"]) {
    await page.goto(url);
    await page.waitForLoadState("networkidle");
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${url}: ${v.id}`)).toEqual([]);
  }
});

// ---- issue 11: API tokens ----

test("API tokens: made in the UI and shown once, used from Node with fetch, revoked in the UI", async ({ page, baseURL }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await page.getByRole("button", { name: "New API token" }).click();
  const form = page.getByRole("form", { name: "New API token" });
  await form.getByLabel("Name", { exact: true }).fill("e2e-ci");
  await form.getByRole("button", { name: "Everything" }).click();
  await expect(form.getByRole("checkbox", { name: /^nodes:write/ })).toBeChecked();
  await form.getByRole("button", { name: "Read-only" }).click();
  await expect(form.getByRole("checkbox", { name: /^networks:read/ })).toBeChecked();
  await expect(form.getByRole("checkbox", { name: /^nodes:write/ })).not.toBeChecked();
  await form.getByRole("button", { name: "Create token" }).click();

  const shown = page.getByRole("region", { name: "New API token" });
  const secret = (await shown.getByTestId("api-token-secret").textContent())!.trim();
  expect(secret).toMatch(/^ncp_[0-9A-Za-z]{49}$/);
  await expect(shown.getByTestId("api-token-curl")).toContainText(`Authorization: Bearer ${secret}`);
  await expect(shown.getByRole("button", { name: "Copy token" })).toBeVisible();
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);

  // From Node, not the browser: no cookie, no CSRF header, just the token.
  const api = (path: string, init: RequestInit = {}) => fetch(new URL(path, baseURL), { ...init, headers: { authorization: `Bearer ${secret}`, ...init.headers } });
  const list = await api("/api/v1/networks");
  expect(list.status).toBe(200);
  expect(((await list.json()) as { networks: Array<{ name: string }> }).networks.map((n) => n.name)).toContain("Home lab");
  // Read-only: creating a network is refused by scope.
  const write = await api("/api/v1/networks", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "by-token", cidr: "10.99.0.0/24" }) });
  expect(write.status).toBe(403);

  // Shown once: gone after a reload; the list has its prefix and its last use.
  await page.reload();
  await expect(page.getByText(secret)).toHaveCount(0);
  const row = page.getByRole("row", { name: /e2e-ci/ });
  await expect(row).toContainText(`${secret.slice(0, 12)}…`);
  await expect(row).toContainText("read-only");
  await expect(row).toContainText("active");
  await expect(row).not.toContainText("never");

  await row.getByRole("button", { name: "Revoke e2e-ci" }).click();
  await expect(row).toContainText("revoked");
  const after = await api("/api/v1/networks");
  expect(after.status).toBe(401);
  expect(((await after.json()) as { error: { message: string } }).error.message).toBe("The API token is revoked");
});

// ---- issue 11: audit export and health ----

test("audit export: the button downloads a CSV of exactly the filtered rows", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.waitForURL(/\/networks\/[0-9a-f-]{36}$/);
  const network = new URL(page.url()).pathname;
  await page.goto(`${network}/audit?action=group.`);
  const total = Number(/^(\d+) events/.exec((await page.getByRole("navigation", { name: "Pagination" }).textContent())!.trim())?.[1]);
  expect(total).toBeGreaterThan(0);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^audit-Home-lab-.*\.csv$/);
  const text = readFileSync((await download.path())!, "utf8");
  const lines = text.split("\r\n").filter(Boolean);
  const header = lines[0]!.split(",");
  expect(header).toContain("action");
  const actionCol = header.indexOf("action");
  // Group events carry no commas in these cells, so a plain split is enough to read the action.
  const actions = lines.slice(1).map((l) => l.split(",")[actionCol]);
  expect(actions).toHaveLength(total);
  expect(actions.every((a) => a!.startsWith("group."))).toBe(true);
});

test("health at a glance: the dashboard and the network overview show a health card", async ({ page }) => {
  await signIn(page, admin.password);
  const card = page.getByTestId("health-card");
  await expect(card).toBeVisible();
  await expect(card.getByRole("heading", { name: "Health at a glance" })).toBeVisible();
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.waitForURL(/\/networks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("health-card").getByRole("heading", { name: "Health", exact: true })).toBeVisible();
});

// ---- issue 11: webhooks ----

test("webhooks: created with its secret shown once, a test event in the delivery log, disabled, deleted; the page passes axe", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.waitForURL(/\/networks\/[0-9a-f-]{36}$/);
  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.waitForURL(/\/webhooks$/);
  await page.getByRole("button", { name: "New webhook" }).click();
  const form = page.getByRole("form", { name: "New webhook" });
  // Refused at once: the address guard speaks in the form.
  await form.getByLabel("URL").fill("http://169.254.169.254/latest");
  await form.getByRole("button", { name: "Create webhook" }).click();
  await expect(form.getByText(/metadata address/)).toBeVisible();
  await form.getByLabel("URL").fill("https://hooks.example.com/nebula");
  await form.getByLabel("Description").fill("on-call");
  await form.getByText("rules.changed").click();
  await form.getByRole("button", { name: "Create webhook" }).click();
  await expect(page.getByTestId("webhook-secret")).toHaveText(/^whsec_[A-Za-z0-9+/]{43}=$/);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0);

  const card = page.getByRole("region", { name: "Webhook https://hooks.example.com/nebula" });
  await card.getByRole("button", { name: "Send a test event" }).click();
  await expect(page.getByText("Test event queued")).toBeVisible();
  await expect(card.getByRole("cell", { name: "webhook.test", exact: true })).toBeVisible();

  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${colorScheme}: ${v.id} ${v.help}`);
    expect(serious, serious.join("\n")).toEqual([]);
  }

  await card.getByRole("button", { name: "Disable" }).click();
  await expect(card.getByText("disabled", { exact: true })).toBeVisible();
  page.once("dialog", (d) => void d.accept());
  await card.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText("No webhooks yet.")).toBeVisible();
});

// ---- issue 12 routes: subnet routes and rules limited to a routed subnet ----

test("subnet routes: a clash is refused inline, a route goes into other hosts' configs, a rule names the subnet", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("link", { name: "web-1" }).click();
  const routes = page.getByLabel("Routed subnets");
  await routes.fill("10.42.5.0/24");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator('[data-field-error="unsafeNetworks"]')).toContainText("overlaps the overlay network 10.42.0.0/16");
  await routes.fill("192.168.50.0/24");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(/re-signed if its groups or routed subnets changed/)).toBeVisible();
  await expect(page.locator('[data-field-error="unsafeNetworks"]')).toHaveCount(0);

  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("link", { name: "db-1" }).click();
  await expect(page.getByTestId("config-preview")).toContainText('route: "192.168.50.0/24"');

  await page.getByRole("link", { name: "Firewall" }).click();
  await page.getByRole("button", { name: "Add rule" }).click();
  const form = page.getByRole("form", { name: "New rule" });
  await form.getByLabel("Port").fill("443");
  await form.getByLabel("Peer group").selectOption("db");
  await form.getByLabel("Only to routed subnet").fill("192.168.50.9/24");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(form.locator('[data-field-error="localCidr"]')).toContainText("did you mean 192.168.50.0/24");
  await form.getByLabel("Only to routed subnet").fill("192.168.50.0/24");
  await form.getByLabel("Description").fill("db to the LAN behind web-1");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByRole("list", { name: "Firewall rules" })).toContainText("into routed subnet 192.168.50.0/24");
});

// ---- issue 12 part 3: lighthouse DNS ----

test("lighthouse DNS: an underlay address and a bad port are refused inline, a lighthouse serves it, a host's page names the resolver", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("link", { name: "lighthouse-1" }).click();
  await expect(page.getByTestId("dns-name")).toHaveText("lighthouse-1");

  await page.getByLabel(/Serve DNS/).check();
  await page.getByLabel("DNS address").fill("0.0.0.0");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator('[data-field-error="dnsHost"]')).toContainText("every interface");
  await page.getByLabel("DNS address").fill("");
  await page.getByLabel("DNS port (UDP)").fill("70000");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator('[data-field-error="dnsPort"]')).toContainText("1 to 65535");
  await expect(page.locator('[data-field-error="dnsHost"]')).toHaveCount(0);
  await page.getByLabel("DNS port (UDP)").fill("53");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("dns-serving")).toContainText("10.42.0.1:53");
  await expect(page.locator('[data-field-error="dnsPort"]')).toHaveCount(0);
  const lighthouseConfig = page.getByTestId("config-preview");
  await expect(lighthouseConfig).toContainText("serve_dns: true");
  await expect(lighthouseConfig).toContainText('host: "10.42.0.1"');

  await page.getByRole("link", { name: "Nodes" }).click();
  await expect(page.getByRole("row", { name: /lighthouse-1/ })).toContainText("DNS :53");
  await page.getByRole("link", { name: "web-1" }).click();
  await expect(page.getByTestId("dns-resolvers")).toContainText("Resolve names with 10.42.0.1:53 (lighthouse lighthouse-1)");
  // No rule lets web-1 send udp/53 to the lighthouse yet: the page says so rather than let a query time out.
  await expect(page.getByTestId("dns-resolvers")).toContainText("web-1 cannot reach lighthouse-1 on udp/53");
  await expect(page.getByTestId("dns-name")).toHaveText("web-1");
  await expect(page.getByTestId("config-preview")).toContainText("query the lighthouse DNS at 10.42.0.1:53 (lighthouse-1)");
});

// ---- issue 12 part 6: version-aware configs ----

test("nebula versions: the overview counts hosts not yet reported, settings choose reject per direction, a host's page says its version is unknown", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.waitForURL(/\/networks\/[0-9a-f-]{36}$/);
  const versions = page.getByTestId("versions-panel");
  await expect(versions.getByRole("heading", { name: "Nebula versions" })).toBeVisible();
  // Nodes added in the UI have never polled: none has reported a version.
  await expect(versions.getByTestId("version-row-not-reported")).toContainText(/Not reported yet: \d+ hosts?/);

  await page.getByRole("link", { name: "Settings" }).click();
  const actions = page.getByTestId("firewall-actions-panel");
  await expect(actions).toContainText("Hosts on Nebula 1.6 always drop");
  await actions.getByLabel("Inbound").selectOption("reject");
  await actions.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Firewall actions saved")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("firewall-actions-panel")).toContainText("Now: inbound reject, outbound drop");

  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("link", { name: "web-1" }).click();
  await expect(page.getByText(/version not reported: its config is written for the network's oldest allowed version/)).toBeVisible();
  await expect(page.getByTestId("config-preview")).toContainText("# Written for the keys of Nebula 1.6.");
});

// ---- issue 12 part 5: policy tests ----

test("policy tests: an assertion added with inline errors, tested now, a rule change refused naming it; the page passes axe", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.getByRole("link", { name: "Policy" }).click();
  await page.getByRole("button", { name: "Add assertion" }).click();
  const form = page.getByRole("form", { name: "New assertion" });
  await form.getByLabel("From group").selectOption("web");
  await form.getByLabel("To group").selectOption("db");
  await form.getByLabel("Port").fill("99999");
  await form.getByRole("button", { name: "Add assertion" }).click();
  await expect(form.locator('[data-field-error="port"]')).toContainText("one port from 1 to 65535");
  await form.getByLabel("Port").fill("5432");
  await form.getByLabel("Description").fill("the app needs its database");
  await form.getByRole("button", { name: "Add assertion" }).click();
  await expect(page.getByText("Assertion added: it passes")).toBeVisible();
  const row = page.getByRole("row", { name: /group web → group db tcp\/5432/ });
  await expect(row).toContainText("pass");
  await expect(row).toContainText("the app needs its database");

  const testNow = page.getByRole("button", { name: "Test now" });
  await testNow.click();
  await expect(page.getByText("The assertion passes")).toBeVisible();
  await expect(testNow).toBeEnabled();

  // The firewall refuses to delete the rule the assertion depends on, naming both; the owner may override.
  await page.getByRole("link", { name: "Firewall" }).click();
  const rules = page.getByRole("list", { name: "Firewall rules" });
  await rules.getByRole("listitem").filter({ hasText: "web to postgres" }).getByRole("button", { name: "Delete" }).click();
  const refusal = page.locator("[data-policy-refusal]");
  await expect(refusal).toContainText("Refused by the policy tests: nothing was changed.");
  await expect(refusal).toContainText('"group web → group db tcp/5432 allowed" would fail');
  await expect(refusal).toContainText('"inbound tcp/5432 from group web (applies to group db)"');
  await expect(refusal.getByLabel(/Override the policy tests/)).toBeVisible();
  await page.reload();
  await expect(rules).toContainText("web to postgres");

  await page.getByRole("link", { name: "Policy" }).click();
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.reload();
    await page.waitForLoadState("networkidle");
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${colorScheme}: ${v.id} ${v.help}`);
    expect(serious, serious.join("\n")).toEqual([]);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: ".data/test/screenshots/policy.png", fullPage: true });
});

// ---- issue 12 part 1: CA rotation ----

test("CA rotation: start puts the next CA beside the current one, progress counts what hosts applied, retiring early is refused naming hosts", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.getByRole("link", { name: "Certificates" }).click();
  const panel = page.getByTestId("ca-rotation");
  await expect(panel).toContainText("Rotating puts a new CA into every host");
  await panel.getByRole("button", { name: "Start CA rotation" }).click();
  await expect(page.getByText("Rotation started: the new CA is going out to every host")).toBeVisible();
  await expect(panel).toContainText("step 1 of 3");
  // No agent has reported applying anything in this run: nobody is counted on the new CA.
  await expect(page.getByTestId("rotation-progress")).toHaveText(/^0 of \d+ hosts? on the new CA; \d+ offline$/);
  await expect(page.getByText("next CA (trusted, not signing yet)")).toBeVisible();
  await expect(page.getByText("current CA (signs)")).toBeVisible();

  await panel.getByRole("button", { name: "Retire old CA" }).click();
  await expect(panel).toContainText(/The old CA cannot be retired yet: \d+ active hosts? ha(s|ve) not applied a certificate from the new CA: \S+/);
  await expect(page.getByText("next CA (trusted, not signing yet)")).toBeVisible();
});

// ---- issue 12 part 4: IPv6 and several addresses (dual-stack, v2 certificates) ----

test("dual-stack network: the IPv6 field says why it needs v2, a bad range is refused inline, nodes show their IPv6 address", async ({ page }) => {
  await signIn(page, admin.password);
  await expect(page.getByRole("heading", { name: "Networks" })).toBeVisible();
  await page.getByRole("link", { name: "New network" }).click();
  await page.getByText("Certificate authority and Nebula versions").click();
  const ipv6 = page.getByLabel("IPv6 range (optional, dual-stack)");
  // On v1 (the default) the field is disabled, and its explanation is visible beside it.
  await expect(ipv6).toBeDisabled();
  await expect(page.getByText(/a v1 certificate carries one IPv4 address, and Nebula 1\.6 cannot read v2 certificates/)).toBeVisible();
  if ((await page.getByLabel("Certificate format").locator('option[value="2"]').count()) === 0) {
    // This server's nebula-cert is 1.6 (run-e2e.sh): no v2, so no dual-stack network; the hint says why.
    await expect(page.getByText(/nebula-cert is older than 1\.10/)).toBeVisible();
    return;
  }
  await page.getByLabel("Name", { exact: true }).fill("Dual stack");
  await page.getByLabel("Oldest Nebula on your nodes").selectOption("1.10");
  await page.getByLabel("Certificate format").selectOption("2");
  await expect(ipv6).toBeEnabled();
  await ipv6.fill("fd42:abcd:1234::1/64");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.locator('[data-field-error="cidr6"]')).toContainText("Host bits must be zero: did you mean fd42:abcd:1234::/64?");
  await ipv6.fill("fd42:abcd:1234::/64");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.getByRole("heading", { name: "Dual stack" })).toBeVisible();
  await expect(page.getByText("IPv6 range")).toBeVisible();
  await expect(page.getByText("fd42:abcd:1234::/64", { exact: true })).toBeVisible();

  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("button", { name: "Add node" }).first().click();
  await page.getByLabel("Hostname").fill("ds-1");
  await page.getByLabel(/Host public key/).fill(hostPublicKey());
  await page.getByRole("button", { name: "Add node" }).last().click();
  const row = page.getByRole("row", { name: /ds-1/ });
  await expect(row).toContainText("active");
  // The first host of the IPv4 range is .1; its IPv6 twin carries the same host index.
  await expect(row).toContainText("fd42:abcd:1234::1");
  await page.getByRole("link", { name: "ds-1" }).click();
  await expect(page.getByText("fd42:abcd:1234::1/64")).toBeVisible();
});

// ---- issue 12 ipv6 display: an IPv6 range added later (Settings) ----

test("IPv6 range setting: a v1 network says why it stays IPv4 and offers no field", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.getByRole("link", { name: "Settings" }).click();
  const panel = page.getByTestId("ipv6-range-panel");
  await expect(panel).toContainText("IPv6 range");
  await expect(panel).toContainText(/None\. IPv6 needs v2 certificates and Nebula 1\.10 on every host/);
  await expect(panel.getByLabel("IPv6 range")).toHaveCount(0);
});

// ---- issue 12 part 4: IPv6-only network (no IPv4 range) ----

test("IPv6-only network: created from the form with the IPv4 range left empty, its nodes numbered in the IPv6 range", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "New network" }).click();
  await page.getByText("Certificate authority and Nebula versions").click();
  if ((await page.getByLabel("Certificate format").locator('option[value="2"]').count()) === 0) {
    // This server's nebula-cert is 1.6 (run-e2e.sh): no v2 certificates, so no IPv6-only network.
    await expect(page.getByText(/nebula-cert is older than 1\.10/)).toBeVisible();
    return;
  }
  await page.getByLabel("Name", { exact: true }).fill("Six only");
  await page.getByLabel("Address range (CIDR)").fill("");
  // Neither range: the IPv4 field says what to do, inline.
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.locator('[data-field-error="cidr"]')).toContainText("leave it empty and give an IPv6 range, for an IPv6-only network");
  await page.getByLabel("Oldest Nebula on your nodes").selectOption("1.10");
  await page.getByLabel("Certificate format").selectOption("2");
  await page.getByLabel("IPv6 range (optional, dual-stack)").fill("fd42:6666:1::/64");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.getByRole("heading", { name: "Six only" })).toBeVisible();
  await expect(page.locator("code", { hasText: "fd42:6666:1::/64" }).first()).toBeVisible();
  await expect(page.getByText("Address range", { exact: true })).toHaveCount(0);

  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("button", { name: "Add node" }).first().click();
  await page.getByLabel("Hostname").fill("six-1");
  await page.getByLabel(/Host public key/).fill(hostPublicKey());
  await page.getByRole("button", { name: "Add node" }).last().click();
  const row = page.getByRole("row", { name: /six-1/ });
  await expect(row).toContainText("active");
  await expect(row).toContainText("fd42:6666:1::1");
  await page.getByRole("link", { name: "six-1" }).click();
  await expect(page.getByText("fd42:6666:1::1/64").first()).toBeVisible();
});

// ---- issue 12 part 5: policy tests on group membership ----

test("policy tests on groups: moving db-1 into web would let db reach db, so the node form shows the refusal and nothing changes", async ({ page }) => {
  await signIn(page, admin.password);
  await page.getByRole("link", { name: "Home lab" }).click();
  await page.getByRole("link", { name: "Policy" }).click();
  await page.getByRole("button", { name: "Add assertion" }).click();
  const form = page.getByRole("form", { name: "New assertion" });
  await form.getByLabel("From group").selectOption("db");
  await form.getByLabel("To group").selectOption("db");
  await form.getByLabel("Port").fill("5432");
  await form.getByLabel("Expect").selectOption("denied");
  await form.getByRole("button", { name: "Add assertion" }).click();
  await expect(page.getByText("Assertion added: it passes")).toBeVisible();

  await page.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("link", { name: "db-1" }).click();
  const settings = page.locator("form", { has: page.getByRole("heading", { name: "Settings" }) });
  await settings.locator("label", { hasText: /^web$/ }).click();
  await settings.getByRole("button", { name: "Save" }).click();
  const refusal = settings.locator("[data-policy-refusal]");
  await expect(refusal).toContainText("Refused by the policy tests: nothing was changed.");
  await expect(refusal).toContainText('"group db → group db tcp/5432 denied"');
  await page.reload();
  await expect(page.locator("form", { has: page.getByRole("heading", { name: "Settings" }) }).locator("label", { hasText: /^web$/ }).locator("input")).not.toBeChecked();
});
