// The candidate's install test: dnf installs what the candidate rebuilt (the new version and what
// was built against it, each with everything it needs) from the candidate's repository into a
// throwaway root. The packages are untrusted, so their scriptlets are not run (tsflags=noscripts):
// the test is that the repository resolves and every payload unpacks. dnf's own output goes to a
// log beside the thread, never into the thread's note (which HTTP answers show).
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { exec, ExecError } from "../util/exec.js";
import { installLogPath } from "./candidate-record.js";

export async function installTest(o: {
  workDir: string;
  repoDir: string;
  packages: string[];
  signal?: AbortSignal;
}): Promise<{ ok: true; note: string } | { ok: false; note: string }> {
  const root = join(o.workDir, "install-root");
  const log = installLogPath(o.workDir);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const dnf = [
    "dnf",
    `--installroot=${root}`,
    `--repofrompath=candidate,file://${o.repoDir}`,
    "--repo=candidate",
    "--setopt=gpgcheck=0",
    `--setopt=cachedir=${join(root, ".cache")}`,
    "--setopt=tsflags=noscripts",
    "--setopt=install_weak_deps=0",
    "--nodocs",
    "-y",
    "install",
    "--",
    ...o.packages,
  ];
  // dnf wants root for an installroot; a server that is not root gets a user namespace's.
  const argv = process.getuid?.() === 0 ? dnf : ["unshare", "-Ur", ...dnf];
  try {
    const r = await exec(argv, {
      ...(o.signal ? { signal: o.signal } : {}),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", HOME: root },
    });
    await writeFile(log, `${r.stdout}${r.stderr}`);
    const installed = (r.stdout.match(/^Installed:\n([\s\S]*?)\n\n/m)?.[1] ?? "")
      .split(/\s+/)
      .filter(Boolean).length;
    return {
      ok: true,
      note: `dnf installs ${o.packages.join(", ")} from the candidate's repository${installed ? ` (${installed} packages with what they need)` : ""}`,
    };
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    await writeFile(log, `${e.stdout}${e.stderr}`);
    return {
      ok: false,
      note: `dnf could not install ${o.packages.join(", ")} from the candidate's repository (exit status ${String(e.code)}; its output is in the thread's install test log)`,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
