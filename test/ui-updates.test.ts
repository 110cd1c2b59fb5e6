// The Updates page end to end, in Debian's chromium (headless, driven by playwright-core): the
// example set with libgreet watched on a fake PyPI (127.0.0.1, PyPI's JSON API), "Look now" finding
// 1.1 newer than 1.0, the update thread it opens shown as a timeline with its branch and tarball,
// an upstream that answers 500 shown in words, a maintainer's rejection, and the package page's
// Upstream box. Any console error fails the test. Screenshots go to test-results/ui/.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpdateList, WatchList } from "../src/api/watch-schemas.js";
import {
  api,
  commit,
  copyExamples,
  git,
  ROOT,
  type Server,
  startServer,
  tempDir,
  writeFile,
} from "./kit/index.js";

const SHOTS = join(ROOT, "test-results", "ui");

/** A PyPI that knows libgreet 1.0 and 1.1 and serves their sdists; `failing`: every answer a 500. */
interface FakePypi {
  url: string;
  failing: boolean;
  /** Requests for the project's JSON (answered or failed), and for the files. */
  json: number;
  files: number;
  sha256: Record<string, string>;
  close(): Promise<void>;
}

/** libgreet-VERSION.tar.gz, made from the example's upstream tree renamed to VERSION. */
function sdist(version: string): Buffer {
  const dir = tempDir("kiln-sdist-");
  cpSync(
    join(ROOT, "examples", "packages", "libgreet", "upstream", "libgreet-1.0"),
    join(dir, `libgreet-${version}`),
    {
      recursive: true,
    },
  );
  execFileSync(
    "tar",
    [
      "--sort=name",
      "--mtime=2026-01-01",
      "--owner=0",
      "--group=0",
      "-czf",
      "out.tar.gz",
      `libgreet-${version}`,
    ],
    {
      cwd: dir,
    },
  );
  return readFileSync(join(dir, "out.tar.gz"));
}

async function fakePypi(): Promise<FakePypi> {
  const tarballs: Record<string, Buffer> = { "1.0": sdist("1.0"), "1.1": sdist("1.1") };
  const http: HttpServer = createServer((req, res) => {
    if (req.url === "/pypi/libgreet/json") fake.json++;
    if (fake.failing) {
      res.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error");
      return;
    }
    const file = /^\/files\/libgreet-([\d.]+)\.tar\.gz$/.exec(req.url ?? "");
    if (file && tarballs[file[1]!]) {
      fake.files++;
      res.writeHead(200, { "content-type": "application/x-tar" }).end(tarballs[file[1]!]);
      return;
    }
    if (req.url !== "/pypi/libgreet/json") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
      return;
    }
    const releases = Object.fromEntries(
      Object.keys(tarballs).map((v) => [
        v,
        [
          {
            filename: `libgreet-${v}.tar.gz`,
            packagetype: "sdist",
            url: `${fake.url}/files/libgreet-${v}.tar.gz`,
            digests: { sha256: fake.sha256[v] },
            size: tarballs[v]!.length,
            yanked: false,
            yanked_reason: null,
            upload_time_iso_8601: v === "1.0" ? "2026-01-01T00:00:00Z" : "2026-06-01T00:00:00Z",
          },
        ],
      ]),
    );
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ info: { name: "libgreet", version: "1.1" }, releases, urls: releases["1.1"] }));
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const address = http.address();
  if (!address || typeof address === "string") throw new Error("the fake PyPI has no port");
  const fake: FakePypi = {
    url: `http://127.0.0.1:${address.port}`,
    failing: false,
    json: 0,
    files: 0,
    sha256: Object.fromEntries(
      Object.entries(tarballs).map(([v, b]) => [v, createHash("sha256").update(b).digest("hex")]),
    ),
    close: () => new Promise((r) => http.close(() => r())),
  };
  return fake;
}

let pypi: FakePypi;
let server: Server;
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

const shot = (page: Page, name: string): Promise<Buffer> =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Save token" }).click();
  await page.getByText(/^Signed in as /).waitFor();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  pypi = await fakePypi();
  const set = copyExamples();
  writeFile(join(set, "packages", "libgreet", "kiln.yaml"), "watch:\n  source: pypi\n  project: libgreet\n");
  // A git set: the bump goes to its own branch, which the thread shows.
  writeFile(join(set, ".gitignore"), ".kiln/\n");
  git(set, "init", "-q", "-b", "main");
  commit(set, "the example set, libgreet watched");
  const config = join(tempDir("kiln-config-"), "server.yaml");
  writeFile(
    config,
    `upstreams:\n  pypi:\n    url: ${pypi.url}\nwatch:\n  allow-private: true\n  host-gap: 0\n`,
  );
  // No agent: a thread goes no further than its build's queue, which is all this page needs.
  server = await startServer({
    set,
    data: tempDir("kiln-farm-data-"),
    extra: ["--poll", "0", "--config", config, "--watch-tick", "0"],
  });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-sync",
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.child.kill("SIGTERM");
  await server?.exited;
  await pypi?.close();
});

describe("the Updates page", () => {
  it("looks now, shows the thread it opens as a timeline, an upstream's 500 in words, and a rejection", async () => {
    const page = await open(1280, 900);
    await page.goto(`${server.url}/updates`);
    const row = page
      .getByRole("table", { name: "Watched packages" })
      .getByRole("row")
      .filter({ hasText: "libgreet" });
    // Before any look, and to a viewer: the watch, not looked at yet, and no button to look now.
    await expect.poll(() => row.innerText()).toMatch(/not looked yet/);
    expect(await row.innerText()).toMatch(/pypi/i);
    expect(await page.getByRole("button", { name: /^Look now/ }).count()).toBe(0);
    expect(pypi.json).toBe(0);

    await signIn(page, server.admin);
    await page.getByRole("button", { name: "Look now at libgreet" }).click();
    const answer = page.getByRole("status", { name: "What the look found" });
    await expect.poll(() => answer.innerText()).toContain("libgreet: 1.1 is newer than 1.0");
    await expect.poll(() => row.innerText()).toMatch(/1\.0\s*→\s*1\.1/);
    const cells = await row.getByRole("cell").allInnerTexts();
    expect(cells).toContain("new");
    // What the look cost the upstream, as the fake counted it.
    expect(pypi.json).toBeGreaterThan(0);
    expect(await row.innerText()).toContain(
      `${pypi.json} ${pypi.json === 1 ? "request" : "requests"} sent, 0 not modified`,
    );
    const { body: watches } = await api(server.url, "GET", "/watches", { schema: WatchList });
    expect(watches.watches.find((w) => w.package === "libgreet")).toMatchObject({
      newest: "1.1",
      current: "1.0",
    });

    // The thread for 1.1: detected, then bumped onto its branch with the tarball's sha256.
    const thread = page.getByRole("article", { name: /libgreet 1\.1/ });
    await thread.waitFor({ timeout: 30_000 });
    const timeline = thread.getByRole("list", { name: "Timeline of libgreet 1.1" });
    await expect
      .poll(() => timeline.getByRole("listitem").first().textContent())
      .toMatch(/^detected: (reached|under way)/);
    await expect.poll(() => thread.innerText(), { timeout: 60_000 }).toContain("kiln/update/libgreet-1.1");
    await expect
      .poll(() => timeline.getByRole("listitem").nth(1).textContent())
      .toMatch(/^bumped: (reached|under way)/);
    const sha = thread.locator(`code[title="${pypi.sha256["1.1"]}"]`);
    expect(await sha.innerText()).toBe(`${pypi.sha256["1.1"]!.slice(0, 16)}…`);
    expect(pypi.files).toBeGreaterThan(0);
    await shot(page, "updates-thread");

    // The upstream fails: the look says so in words, and the row keeps the error and since when.
    pypi.failing = true;
    const before = pypi.json;
    await page.getByRole("button", { name: "Look now at libgreet" }).click();
    await expect.poll(() => answer.innerText()).toMatch(/libgreet: .*500/);
    await expect.poll(() => row.innerText()).toMatch(/500/);
    expect(await row.innerText()).toMatch(/failing since .*1 failure in a row/);
    expect(pypi.json).toBeGreaterThan(before);
    await shot(page, "updates-error");
    pypi.failing = false;

    // The candidate is built and tested on the server: ready, a maintainer may accept it.
    await expect
      .poll(() => timeline.getByRole("listitem").nth(5).textContent(), { timeout: 90_000 })
      .toMatch(/^ready: (reached|under way)/);
    expect(await thread.getByRole("button", { name: "Accept libgreet 1.1" }).count()).toBe(1);
    // Its candidate, package by package, each build's log one link away, and the install test's.
    const cand = thread.getByRole("table", { name: "Candidate builds of libgreet 1.1" });
    const libgreetRow = cand
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: "libgreet", exact: true }) });
    await expect.poll(() => libgreetRow.innerText(), { timeout: 15_000 }).toMatch(/green/);
    const logLink = libgreetRow.getByRole("link", { name: "log of libgreet" });
    const logText = await fetch(new URL((await logLink.getAttribute("href"))!, server.url)).then((r) =>
      r.text(),
    );
    expect(logText).toMatch(/libgreet-1\.1/);
    const installHref = await thread.getByRole("link", { name: "install test log" }).getAttribute("href");
    expect(await fetch(new URL(installHref!, server.url)).then((r) => r.text())).toMatch(/libgreet/);
    await shot(page, "updates-candidate");

    // A maintainer rejects 1.1: confirmed in a dialog, with a reason; the thread says so.
    await thread.getByRole("button", { name: "Reject libgreet 1.1" }).click();
    const dialog = page.getByRole("dialog", { name: "Reject libgreet 1.1?" });
    await dialog.getByLabel("Reason").fill("waiting for 1.2");
    await dialog.getByRole("button", { name: "Reject libgreet 1.1" }).click();
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
    await expect.poll(() => timeline.innerText()).toContain("stopped: rejected");
    expect(await timeline.innerText()).toContain("rejected by admin: waiting for 1.2");
    expect(await thread.getByRole("button", { name: /^(Reject|Accept)/ }).count()).toBe(0);
    const { body: updates } = await api(server.url, "GET", "/updates?package=libgreet", {
      schema: UpdateList,
    });
    expect(updates.updates.map((u) => [u.version, u.state])).toEqual([["1.1", "rejected"]]);
    await shot(page, "updates-rejected");

    // The package's page: its Upstream box, with the thread, linking to the Updates page.
    await page.goto(`${server.url}/packages/libgreet`);
    const box = page.getByRole("region", { name: "Upstream" });
    await expect.poll(() => box.innerText()).toMatch(/pypi/i);
    await expect.poll(() => box.innerText()).toMatch(/libgreet 1\.1\s*rejected/);
    await shot(page, "package-libgreet-upstream");
    await box.getByRole("link", { name: "libgreet 1.1" }).click();
    await page.waitForURL(new RegExp(`/updates#update-${updates.updates[0]!.id}$`));
    await page.getByRole("article", { name: /libgreet 1\.1/ }).waitFor();
    // A package that is not watched has no such box.
    await page.goto(`${server.url}/packages/hello`);
    await page.getByRole("heading", { name: "Required by" }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(await page.getByRole("region", { name: "Upstream" }).count()).toBe(0);
    await page.close();

    const phone = await open(390, 844);
    await phone.goto(`${server.url}/updates`);
    await phone.getByRole("article", { name: /libgreet 1\.1/ }).waitFor();
    await shot(phone, "phone-updates");
    await phone.close();
    expect(problems).toEqual([]);
  }, 240_000);
});
