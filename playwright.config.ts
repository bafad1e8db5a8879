import { defineConfig } from "@playwright/test";

// Debian's Chromium; Playwright's own browser download cannot work on a closed network.
const chromium = {
  browserName: "chromium" as const,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  },
};

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT ?? "test-results/playwright.json" }]],
  use: { trace: "retain-on-failure", screenshot: "only-on-failure", actionTimeout: 15_000 },
  projects: [
    { name: "local", testMatch: "local-mode.spec.ts", use: { ...chromium, baseURL: process.env.LOCAL_APP_URL ?? "http://localhost:3100" } },
    { name: "keycloak", testMatch: "keycloak-mode.spec.ts", use: { ...chromium, baseURL: process.env.KEYCLOAK_APP_URL ?? "http://localhost:3000" } },
  ],
});
