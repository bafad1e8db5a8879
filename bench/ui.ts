/**
 * The UI at fleet size: each network page loaded in Debian's Chromium (through Playwright, as the
 * e2e suites drive it) for a network of 10,000 nodes in four groups, beside the same page for a
 * network of 5 nodes in the same run (the baseline: what a page costs with nothing in it). Each
 * figure is the median of several loads, from navigation start to the `load` event, with the HTML
 * size; the nodes page is also loaded with a search.
 */
import path from "node:path";
import pg from "pg";
import { chromium, type Browser, type BrowserContext } from "@playwright/test";
import { createTestUser } from "@/lib/testing/api-harness";
import { APP_HOST, BENCH_AUTH_SECRET, benchApp } from "./app-server";
import { createFleet } from "./fleet-fixture";
import { percentile } from "./measure";
import { printReport } from "./table";

const NODE_COUNT = 10_000;
const GROUPS = ["db", "edge", "jobs", "web"];
const LOADS = 5;
const SHOTS = path.resolve(import.meta.dirname, "..", ".data", "bench");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const PAGES: Array<[string, string]> = [
  ["overview (topology)", ""],
  ["nodes", "/nodes"],
  ["nodes, searched", "/nodes?q=fleet-42"],
  ["node", "/nodes/:node"],
  ["firewall (matrix, pickers)", "/firewall"],
  ["certificates", "/certificates"],
  ["groups", "/groups"],
  ["join links", "/links"],
  ["members", "/members"],
  ["audit", "/audit"],
  ["settings", "/settings"],
];

export async function run(): Promise<void> {
  const app = await benchApp();
  const big = await createFleet({ name: "bench-ui-large", cidr: "10.95.0.0/16", count: NODE_COUNT, realCertificates: 16 });
  const small = await createFleet({ name: "bench-ui-small", cidr: "10.96.0.0/24", count: 5, realCertificates: 5 });
  await assignGroups(big.networkId, big.nodes.map((n) => n.id));
  await assignGroups(small.networkId, small.nodes.map((n) => n.id));

  // A signed-in system admin, with the cookie the app would set (same secret as the bench app).
  process.env.NEXTAUTH_SECRET = BENCH_AUTH_SECRET;
  const user = await createTestUser({ systemRole: "admin", name: "bench-ui" });
  const [cookieName, cookieValue] = [user.cookie.slice(0, user.cookie.indexOf("=")), user.cookie.slice(user.cookie.indexOf("=") + 1)];

  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ baseURL: app.baseUrl });
    await context.addCookies([{ name: cookieName, value: cookieValue, domain: APP_HOST, path: "/", httpOnly: true, sameSite: "Lax" }]);
    const rows: string[][] = [];
    for (const [label, suffix] of PAGES) {
      const urlOf = (n: { networkId: string; nodes: Array<{ id: string }> }) => `/networks/${n.networkId}${suffix.replace(":node", n.nodes[n.nodes.length - 1]!.id)}`;
      const large = await loadTimes(context, urlOf(big));
      const baseline = await loadTimes(context, urlOf(small));
      rows.push([label, `${large.median.toFixed(0)} ms`, `${(large.bytes / 1024).toFixed(0)} KiB`, `${baseline.median.toFixed(0)} ms`, `${(baseline.bytes / 1024).toFixed(0)} KiB`]);
    }
    // Pictures of the large network's overview and nodes page, to look at (not compared).
    const shot = await context.newPage();
    await shot.setViewportSize({ width: 1280, height: 900 });
    for (const [name, suffix] of [["overview", ""], ["nodes", "/nodes"]]) {
      await shot.goto(`/networks/${big.networkId}${suffix}`, { waitUntil: "load" });
      await shot.screenshot({ path: path.join(SHOTS, `ui-${name}-${NODE_COUNT}.png`), fullPage: true });
    }
    await shot.close();
    printReport({
      title: `UI: each network page in Chromium, ${NODE_COUNT.toLocaleString("en")} nodes beside 5 (production build)`,
      goal: "usable at 10,000 nodes: pages page, search and cluster on the server",
      columns: ["page", "10,000 nodes", "HTML", "5 nodes (baseline)", "HTML"],
      rows,
      notes: [`screenshots of the large network's overview and nodes page in ${path.relative(process.cwd(), SHOTS)}`, `median of ${LOADS} loads each, navigation start to the load event, signed in as a system admin; nodes in ${GROUPS.length} groups (node i in group i mod ${GROUPS.length}), from bench/fleet-fixture.ts`],
    });
  } finally {
    await browser?.close();
  }
}

async function loadTimes(context: BrowserContext, url: string): Promise<{ median: number; bytes: number }> {
  const page = await context.newPage();
  try {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < LOADS; i++) {
      const started = performance.now();
      const response = await page.goto(url, { waitUntil: "load", timeout: 120_000 });
      times.push(performance.now() - started);
      if (!response?.ok()) throw new Error(`${url} answered ${response?.status() ?? "nothing"}`);
      bytes = (await response.body()).length;
    }
    return { median: percentile(times, 50), bytes };
  } finally {
    await page.close();
  }
}

/** The groups, and node i in group i mod 4, in two statements. */
async function assignGroups(networkId: string, nodeIds: string[]): Promise<void> {
  const sql = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await sql.connect();
  try {
    const { rows } = await sql.query<{ id: string; name: string }>(
      `INSERT INTO "Group" (id, "networkId", name) SELECT gen_random_uuid(), $1::uuid, unnest($2::text[]) RETURNING id, name`,
      [networkId, GROUPS],
    );
    const byName = new Map(rows.map((r) => [r.name, r.id]));
    await sql.query(`INSERT INTO "NodeGroup" ("nodeId", "groupId") SELECT * FROM unnest($1::uuid[], $2::uuid[])`, [nodeIds, nodeIds.map((_, i) => byName.get(GROUPS[i % GROUPS.length]!)!)]);
  } finally {
    await sql.end();
  }
}
