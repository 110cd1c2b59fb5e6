// Kiln as a user gets it: `npm pack` of this repository, installed from the tarball into an empty
// folder, and that installed `kiln` building the bundled example set. Catches files the package
// leaves out (the spec reader in libexec/, the web UI in dist/web), paths resolved into the source
// tree, and runtime dependencies listed only under devDependencies.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, delimiter, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copyExamples, type KilnResult, ROOT, tempDir } from "./kit/index.js";

const PACKAGES = ["greet-data", "hello", "libcount", "libframe", "libgreet", "libstats", "libupper"];

// The install fetches ~130 packages (npm's cache makes that quick after `npm ci`) and the build
// runs seven rpmbuilds: about a minute on two cores, more with a cold npm cache.
const TIMEOUT_MS = 600_000;

/**
 * The environment of a user's shell: without what `npm test`/`npx` add for this repository (its
 * node_modules/.bin on PATH, npm_config_local_prefix=this checkout, npm_package_*, …), so that npm
 * installs into the temporary folder and the installed `kiln` can lean on nothing of this checkout.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !/^npm_config_/i.test(k)) continue;
    if (/^npm_config_(local_prefix|call|prefix|global_prefix)$/i.test(k) || k === "INIT_CWD") continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((d) => d !== "" && !d.includes("node_modules"))
    .join(delimiter);
  env.NO_COLOR = "1";
  return env;
}

function run(cmd: string, args: string[], cwd: string): Promise<KilnResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** Fails with both outputs when a step of the setup did not exit 0. */
function ok(step: string, r: KilnResult): KilnResult {
  if (r.code !== 0) {
    throw new Error(`${step} exited ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r;
}

describe("the packed and installed Kiln", () => {
  let installDir: string;
  let pkgDir: string;
  let workDir: string;
  let build: KilnResult;

  beforeAll(async () => {
    for (const f of ["dist/src/cli/main.js", "dist/web/index.html"]) {
      if (!existsSync(join(ROOT, f))) {
        throw new Error(`${f} is missing: run \`npm run build\` first (npm test does it before vitest)`);
      }
    }
    const packDir = tempDir("kiln-pack-");
    const packed = ok(
      "npm pack",
      await run("npm", ["pack", "--json", "--pack-destination", packDir, ROOT], packDir),
    );
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const tarball = join(packDir, basename(filename));
    expect(existsSync(tarball), tarball).toBe(true);

    installDir = tempDir("kiln-install-");
    // An empty project of its own, so npm does not look for one above the temporary folder. The
    // `node` dependency brings Node 24 with an install script.
    writeFileSync(
      join(installDir, "package.json"),
      JSON.stringify({ name: "kiln-install-test", private: true, allowScripts: { node: true } }),
    );
    ok(
      "npm install",
      await run(
        "npm",
        ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball],
        installDir,
      ),
    );
    pkgDir = join(installDir, "node_modules", "kiln");

    workDir = tempDir("kiln-packaged-build-");
    const set = copyExamples();
    build = await run(
      join(installDir, "node_modules", ".bin", "kiln"),
      ["build", "--set", set, "--jobs", "2"],
      workDir,
    );
  }, TIMEOUT_MS);

  it("holds the spec reader and the web UI, and none of the tests, bench or sources", () => {
    expect(existsSync(join(pkgDir, "package.json"))).toBe(true);
    expect(existsSync(join(pkgDir, "libexec", "spec-reader.py"))).toBe(true);
    expect(existsSync(join(pkgDir, "dist", "src", "cli", "main.js"))).toBe(true);
    expect(existsSync(join(pkgDir, "dist", "web", "index.html"))).toBe(true);
    for (const absent of ["test", "src", "bench", "examples", "web", "scripts", join("dist", "bench")]) {
      expect(existsSync(join(pkgDir, absent)), `${absent}/ in the installed package`).toBe(false);
    }
    const compiled = readdirSync(join(pkgDir, "dist"), { recursive: true, encoding: "utf8" });
    expect(compiled.filter((f) => /\.test\.js$|\.map$|\.ts$/.test(f))).toEqual([]);
  });

  it("builds the example set into a repository with every example's RPMs", () => {
    const detail = `stdout:\n${build.stdout}\nstderr:\n${build.stderr}`;
    expect(build.code, detail).toBe(0);
    expect(build.stdout).toContain("built 7, up to date 0, cut off 0, failed 0, blocked 0");

    const line = /^repository (\S+): (.+)$/m.exec(build.stdout);
    expect(line, detail).not.toBeNull();
    const repo = resolve(workDir, line![2]!);
    const repomd = join(repo, "repodata", "repomd.xml");
    expect(existsSync(repomd), repomd).toBe(true);
    expect(readFileSync(repomd, "utf8")).toContain('type="primary"');

    const rpms = readdirSync(join(repo, "Packages"), { recursive: true, encoding: "utf8" })
      .map((f) => basename(f))
      .filter((f) => f.endsWith(".rpm"));
    for (const pkg of PACKAGES) {
      expect(
        rpms.some((f) => new RegExp(`^${pkg}-1\\.0-1\\.kiln1\\.(noarch|x86_64|aarch64)\\.rpm$`).test(f)),
        `${pkg} in ${rpms.join(" ")}`,
      ).toBe(true);
    }
  });
});
