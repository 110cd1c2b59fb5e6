// The web UI end to end, in Debian's chromium (headless, driven by playwright-core; no browser is
// downloaded): the dashboard, signing in, starting a rebuild of the example set, a build's log
// streaming live, the dependency graph, promoting a package into stable, at desktop and phone
// widths; every control labelled, the keyboard reaching the pages, live updates back after a server
// restart. Any console error fails the test. Screenshots of each page go to test-results/ui/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestView } from "../src/api/schemas.js";
import {
  api,
  BuildList,
  enrolAgent,
  RepositoryList,
  copyExamples,
  type Proc,
  ROOT,
  type Server,
  startAgent,
  startServer,
  tempDir,
  writeFile,
} from "./kit/index.js";

const SHOTS = join(ROOT, "test-results", "ui");

let server: Server;
let agent: Proc;
let set: string;
let data: string;
let browser: Browser;
const problems: string[] = [];

async function open(width: number, height: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning")
      problems.push(`${m.type()}: ${m.text()} (${page.url()})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message} (${page.url()})`));
  return page;
}

/**
 * The controls of the page without a name a screen reader could say: no label, aria-label,
 * aria-labelledby, text or title. (A string: it runs in the browser, not under Node's types.)
 */
const UNNAMED_CONTROLS = `[...document.querySelectorAll("button, input, select, textarea, a[href], [role=button]")]
  .filter((el) => {
    const by = el.getAttribute("aria-labelledby");
    const names = [
      el.getAttribute("aria-label"),
      by && by.split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" "),
      [...(el.labels ?? [])].map((l) => l.textContent).join(" "),
      el instanceof HTMLInputElement || el instanceof HTMLSelectElement ? "" : el.textContent,
      el.getAttribute("title"),
    ];
    return !names.some((n) => n && n.trim().length > 0);
  })
  .map((el) => el.outerHTML.slice(0, 160))`;

const shot = (page: Page, name: string): Promise<Buffer> =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** Each page, by its shot's name, loaded in turn, and shot once the network is idle. */
async function shotsOf(page: Page, url: string, paths: Record<string, string>): Promise<void> {
  for (const [name, path] of Object.entries(paths)) {
    await page.goto(`${url}${path}`);
    await page.waitForLoadState("networkidle");
    await shot(page, name);
  }
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  set = copyExamples();
  data = tempDir("kiln-farm-data-");
  // A package whose build takes a few seconds and says so, to watch its log stream in.
  writeFile(
    join(set, "packages", "slowpoke", "slowpoke.spec"),
    `Name: slowpoke
Version: 1.0
Release: 1%{?dist}
Summary: A slow package for the UI test
License: MIT
BuildArch: noarch

%description
Takes its time, and says so.

%build
for i in 1 2 3 4 5 6; do echo "slowpoke-step-$i"; sleep 0.5; done

%install
mkdir -p %{buildroot}%{_datadir}/slowpoke
echo slow > %{buildroot}%{_datadir}/slowpoke/slow.txt

%files
%{_datadir}/slowpoke
`,
  );
  server = await startServer({ set, data, extra: ["--poll", "0"] });
  agent = startAgent({
    url: server.url,
    token: server.enrol,
    workdir: tempDir("kiln-agent-"),
    name: "ui-agent",
    slots: 2,
  });
  await agent.waitFor(/ready/);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  agent?.child.kill("SIGTERM");
  server?.child.kill("SIGTERM");
  await server?.exited;
});

describe("the web UI", () => {
  it("dashboard, sign in, a rebuild with its live log, the graph, a promotion; no console error", async () => {
    const page = await open(1280, 800);
    await page.goto(server.url);
    for (const h of ["Running now", "Queue", "Recent builds", "Agents"]) {
      await expect.poll(() => page.getByRole("heading", { name: h }).count()).toBeGreaterThan(0);
    }
    await shot(page, "dashboard-empty");

    // Viewers see but cannot act: the write controls come with a maintainer's token.
    expect(await page.getByRole("button", { name: "Build everything not up to date" }).count()).toBe(0);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("API token").fill(server.admin);
    await page.getByRole("button", { name: "Save token" }).click();
    await page.getByText("Signed in as admin (admin)").waitFor();

    // Start the rebuild of the whole set: its rebuild map shows the waves.
    await page.getByRole("button", { name: "Build everything not up to date" }).click();
    await page.waitForURL(/\/requests\/\d+$/);
    await page.getByText("Wave 1", { exact: true }).waitFor();
    await shot(page, "rebuild-map");

    // slowpoke's log streams in while it builds: lines appear, then the end, without a reload.
    const request = Number(/\/requests\/(\d+)$/.exec(page.url())![1]);
    let build: number | null = null;
    for (let t0 = Date.now(); build === null && Date.now() - t0 < 60_000;) {
      const r = await api(server.url, "GET", `/requests/${request}`, { schema: RequestView });
      build = r.body.jobs.find((j) => j.package === "slowpoke" && j.build)?.build ?? null;
      if (build === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(build).not.toBeNull();
    await page.goto(`${server.url}/builds/${build}`);
    const log = page.getByRole("region", { name: "Build log" });
    await log.getByText("slowpoke-step-1").first().waitFor({ timeout: 30_000 });
    const midway = await log.innerText();
    await log.getByText("kiln: build succeeded").waitFor({ timeout: 60_000 });
    expect(midway).not.toContain("kiln: build succeeded");
    // How it was isolated is said in words: this server's agents run builds in bubblewrap.
    await expect.poll(() => page.locator("dt:text-is('Sandbox') + dd").innerText()).toBe("bubblewrap");
    await expect.poll(() => page.getByText(/slowpoke-step-6/).count()).toBeGreaterThan(0);
    // A line is addressable, and the search finds it.
    await page.getByLabel("Search the log").fill("slowpoke-step-4");
    // The loop echoes each step and bash -x shows each echo: two matches.
    await expect.poll(() => page.getByText(/\b1 of 2\b/).count()).toBeGreaterThan(0);
    await shot(page, "build-log");

    // Wait for the whole set to be done before looking at the graph and promoting.
    for (let t0 = Date.now(); Date.now() - t0 < 120_000;) {
      const r = await api(server.url, "GET", `/requests/${request}`, { schema: RequestView });
      if (r.body.status !== "active") break;
      await new Promise((r) => setTimeout(r, 200));
    }

    await page.getByRole("link", { name: "Graph" }).first().click();
    await page.getByLabel("Package").fill("libgreet");
    await page.getByLabel("Package").press("Enter");
    await page.getByTestId("graph-node-libgreet").waitFor();
    await page.getByTestId("graph-node-hello").waitFor();
    await shot(page, "graph-libgreet");

    await page.getByRole("link", { name: "Repositories" }).first().click();
    await page.getByRole("button", { name: "Promote into stable" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("checkbox", { name: /^hello/ }).check();
    await dialog.getByRole("button", { name: "Check promotion" }).click();
    // hello alone would break stable's closure: the refusal names what it needs (libframe.so.1 …).
    await dialog
      .getByText(/libframe\.so\.1/)
      .first()
      .waitFor();
    await shot(page, "promote-refused");
    await dialog.getByRole("button", { name: "Add what it needs" }).click();
    await dialog.getByText("Will move:").waitFor();
    await shot(page, "promote-confirm");
    await dialog.getByRole("button", { name: "Promote" }).click();
    // A promotion publishes before it answers: on a busy machine that takes more than a second.
    await expect.poll(() => page.getByRole("dialog").count(), { timeout: 15_000 }).toBe(0);
    const stable = page.locator("section", {
      has: page.getByRole("heading", { name: "stable", exact: true }),
    });
    await stable.getByRole("cell", { name: "hello", exact: true }).waitFor();
    await page.getByRole("table", { name: "History of stable" }).getByText("promote").first().waitFor();
    await shot(page, "repositories");
    const { body } = await api(server.url, "GET", "/repositories", { schema: RepositoryList });
    expect(body.repositories.find((r) => r.name === "stable")!.packages.map((p) => p.package)).toContain(
      "hello",
    );

    await shotsOf(page, server.url, {
      packages: "/packages",
      "package-hello": "/packages/hello",
      agents: "/agents",
      dashboard: "/",
    });
    await page.close();

    // At phone width: every page still renders, and the nav is reachable.
    const phone = await open(390, 844);
    await shotsOf(phone, server.url, {
      "phone-dashboard": "/",
      "phone-build": `/builds/${build}`,
      "phone-repositories": "/repositories",
      "phone-graph": "/graph/hello",
    });
    expect(await phone.getByRole("link", { name: "Packages" }).count()).toBeGreaterThan(0);
    await phone.close();

    expect(problems).toEqual([]);
  }, 300_000);

  it("every control is labelled and the keyboard reaches the pages; live updates come back after a server restart", async () => {
    const page = await open(1280, 800);
    // Sign in, so that the write controls are there to be checked too.
    await page.goto(server.url);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("API token").fill(server.admin);
    await page.getByRole("button", { name: "Save token" }).click();
    await page.getByText("Signed in as admin (admin)").waitFor();
    const { body: builds } = await api(server.url, "GET", "/builds", { schema: BuildList });
    const someBuild = builds.builds[0]!.id;
    for (const path of [
      "/",
      "/packages",
      "/packages/hello",
      `/builds/${someBuild}`,
      "/graph/hello",
      "/repositories",
      "/agents",
      "/tokens",
    ]) {
      await page.goto(`${server.url}${path}`);
      await page.waitForLoadState("networkidle");
      const unnamed = await page.evaluate<string[]>(UNNAMED_CONTROLS);
      expect(unnamed, path).toEqual([]);
    }

    // From the top of the page, Tab reaches the navigation, and Enter follows it.
    await page.goto(server.url);
    await page.waitForLoadState("networkidle");
    let focused = "";
    for (let i = 0; i < 10 && focused !== "Packages"; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate<string>("document.activeElement?.innerText ?? ''");
    }
    expect(focused).toBe("Packages");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/packages$/);
    await page.getByRole("heading", { name: "Packages" }).first().waitFor();

    // The server goes away: the page says it is reconnecting; it comes back on the same address,
    // and a build started after that appears without a reload.
    await page.goto(server.url);
    const status = page.getByRole("status").filter({ hasText: /live|connecting|reconnecting/ });
    await expect.poll(() => status.innerText()).toBe("live");
    const port = Number(new URL(server.url).port);
    const before = problems.length;
    server.child.kill("SIGTERM");
    await server.exited;
    await expect.poll(() => status.innerText(), { timeout: 15_000 }).toBe("reconnecting…");
    await shot(page, "dashboard-reconnecting");
    server = await startServer({ set, data, port, extra: ["--poll", "0"] });
    await expect.poll(() => status.innerText(), { timeout: 30_000 }).toBe("live");
    // What the browser said while the server was away: only that it could not connect.
    const outage = problems.splice(before);
    for (const p of outage) expect(p).toMatch(/ERR_CONNECTION_REFUSED|Failed to load resource|EventSource/);
    const { body: req } = await api(server.url, "POST", "/rebuilds", {
      token: server.admin,
      body: { packages: ["libcount"] },
      schema: RequestView,
    });
    let build: number | null = null;
    for (let t0 = Date.now(); build === null && Date.now() - t0 < 60_000;) {
      const r = await api(server.url, "GET", `/requests/${req.id}`, { schema: RequestView });
      build = r.body.jobs.find((j) => j.build)?.build ?? null;
      if (build === null) await new Promise((r) => setTimeout(r, 100));
    }
    await page
      .getByRole("link", { name: `Build ${build}`, exact: true })
      .first()
      .waitFor({ timeout: 60_000 });
    await shot(page, "dashboard-after-restart");
    await page.close();
    expect(problems).toEqual([]);
  }, 180_000);

  it("an admin makes and revokes a token, disables, enables and deletes an agent; the CSP lets the app run", async () => {
    const page = await open(1280, 800);
    const first = await page.goto(server.url);
    const csp = first!.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("API token").fill(server.admin);
    await page.getByRole("button", { name: "Save token" }).click();
    await page.getByText("Signed in as admin (admin)").waitFor();

    await page.getByRole("link", { name: "Tokens" }).click();
    await page.waitForURL(/\/tokens$/);
    await page.getByLabel("Name").fill("ui-ci");
    await page.getByLabel("Role").selectOption("maintainer");
    await page.getByRole("button", { name: "Create token" }).click();
    const shown = await page.getByRole("status").filter({ hasText: "ui-ci" }).locator("code").innerText();
    expect(shown).toMatch(/^kiln_api_/);
    const row = page.getByRole("row").filter({ hasText: "ui-ci" });
    await expect.poll(() => row.innerText()).toContain("live");
    await shot(page, "tokens");
    await page.getByRole("button", { name: "Revoke ui-ci" }).click();
    await expect.poll(() => row.innerText()).toMatch(/revoked .* by admin/);
    expect((await api(server.url, "GET", "/tokens", { token: shown })).status).toBe(401);
    // The last admin token: the refusal is said next to the button.
    await page.getByRole("button", { name: "Revoke admin" }).click();
    await page.getByRole("alert").filter({ hasText: "is the last live admin token" }).waitFor();

    const credential = await enrolAgent(server, "spare", { labels: {} });
    await page.getByRole("link", { name: "Agents" }).click();
    await page.waitForURL(/\/agents$/);
    await page.getByRole("button", { name: "Disable spare" }).click();
    await page.getByRole("button", { name: "Enable spare" }).waitFor();
    expect(
      (await api(server.url, "POST", "/agent/heartbeat", { token: credential, body: { jobs: [] } })).status,
    ).toBe(403);
    await shot(page, "agents-disabled");
    await page.getByRole("button", { name: "Enable spare" }).click();
    await page.getByRole("button", { name: "Disable spare" }).waitFor();
    await page.getByRole("button", { name: "Delete spare" }).click();
    await expect.poll(() => page.getByRole("row").filter({ hasText: "spare" }).count()).toBe(0);
    await page.close();
    // The 409 of the last admin token is the only thing the browser complained about.
    const rest = problems.splice(0).filter((p) => !/409/.test(p));
    expect(rest).toEqual([]);
  }, 120_000);
});
