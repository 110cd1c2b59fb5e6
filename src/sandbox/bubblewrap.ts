// Runs a command inside bubblewrap: the host's /usr and /etc read-only, no network, a fresh /tmp,
// only the directories named in the spec visible, an unprivileged user, a clean environment.
// Specs are code (rpm runs their %(shell) and %{lua:} while parsing), so both reading and
// building a spec go through here where bubblewrap works.
//
// No real root inside (docs/SECURITY.md). Run by an ordinary user, bubblewrap maps the sandbox's
// user to that user in a new user namespace. Run by root, that mapping would make every root-owned
// file (/etc/shadow) the sandbox user's own, so instead bubblewrap sets up the namespaces as root
// and setpriv drops to Kiln's build user (kiln-build, created on first use) with no capabilities
// and no way to regain them before the command runs.
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { lchown, readdir } from "node:fs/promises";
import { join } from "node:path";
import { exec, ExecError } from "../util/exec.js";
import { ensureBuildUser, type BuildUser } from "./build-user.js";

export interface Mount {
  src: string;
  dest: string;
}

export interface SandboxSpec {
  /** Read-only binds, applied in order after the host system, so later ones cover earlier ones. */
  readOnly?: Mount[];
  /** Read-write binds (make them the build user's first: grantToSandbox). */
  readWrite?: Mount[];
  env: Record<string, string>;
  cwd: string;
}

const hostTop = ["/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"];

const asRoot = (): boolean => process.getuid?.() === 0;

/** The user sandboxed commands run as when Kiln runs as root; known once probeSandbox ran. */
let buildUser: BuildUser | undefined;

/** The bwrap argv that runs `command` as described. */
export function bwrapArgv(spec: SandboxSpec, command: string[]): string[] {
  const a: string[] = ["bwrap", "--ro-bind", "/usr", "/usr"];
  // Merged-/usr hosts have /bin -> usr/bin and so on; others have real directories.
  for (const p of hostTop) {
    if (!existsSync(p)) continue;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) a.push("--symlink", readlinkSync(p), p);
    else a.push("--ro-bind", p, p);
  }
  a.push("--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev");
  // World-writable scratch, as on a host: the sandbox's user is not the one that made them.
  a.push("--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/dev/shm");
  a.push("--dir", "/var", "--perms", "1777", "--tmpfs", "/var/tmp");
  // bubblewrap makes missing mount points private to root (0700): the sandbox's user must be able
  // to walk to what is bound for it.
  const mounts = [...(spec.readOnly ?? []), ...(spec.readWrite ?? [])];
  const made = new Set(["/", "/tmp", "/var", "/var/tmp", "/usr", "/etc", "/dev", "/proc"]);
  for (const m of mounts) {
    const parts = m.dest.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join("/")}`;
      if (made.has(dir)) continue;
      made.add(dir);
      a.push("--perms", "0755", "--dir", dir);
    }
  }
  for (const m of spec.readOnly ?? []) a.push("--ro-bind", m.src, m.dest);
  for (const m of spec.readWrite ?? []) a.push("--bind", m.src, m.dest);
  let run = command;
  if (asRoot()) {
    if (!buildUser) throw new Error("the sandbox was not probed: call probeSandbox() first");
    // Every namespace but the user's: the drop below is to a real, unprivileged host user.
    a.push("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try");
    run = [
      "/usr/bin/setpriv",
      `--reuid=${buildUser.uid}`,
      `--regid=${buildUser.gid}`,
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
      ...command,
    ];
  } else {
    a.push("--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000");
  }
  a.push("--die-with-parent", "--new-session", "--clearenv");
  for (const [k, v] of Object.entries(spec.env)) a.push("--setenv", k, v);
  a.push("--chdir", spec.cwd, "--", ...run);
  return a;
}

/** Makes `dir` and all below it the sandbox user's (when Kiln runs as root; else that user is Kiln). */
export async function grantToSandbox(dir: string): Promise<void> {
  if (!asRoot()) return;
  if (!buildUser) throw new Error("the sandbox was not probed: call probeSandbox() first");
  const { uid, gid } = buildUser;
  await lchown(dir, uid, gid);
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await lchown(join(e.parentPath, e.name), uid, gid);
  }
}

export interface SandboxProbe {
  available: boolean;
  /** Why not, when it is not. */
  reason?: string;
  /** Who sandboxed commands run as, in words ("kiln-build (uid 998)", "this user in a user namespace"). */
  user?: string;
}

let probed: Promise<SandboxProbe> | undefined;

/** Whether bubblewrap runs here (it needs user namespaces, which containers may block). */
export function probeSandbox(): Promise<SandboxProbe> {
  probed ??= (async (): Promise<SandboxProbe> => {
    let user = "this user, in a user namespace";
    if (asRoot()) {
      try {
        buildUser = await ensureBuildUser();
      } catch (e) {
        return { available: false, reason: (e as Error).message.split("\n")[0] };
      }
      user = `${buildUser.name} (uid ${buildUser.uid})`;
    }
    // A busy machine can fail one start (a namespace, a mount): three tries before saying no.
    for (let n = 1; ; n++) {
      try {
        await exec(bwrapArgv({ env: { PATH: "/usr/bin:/bin" }, cwd: "/" }, ["true"]));
        return { available: true, user };
      } catch (e) {
        if (n < 3) {
          await new Promise((r) => setTimeout(r, 200 * n));
          continue;
        }
        // What bwrap said, not its whole command line.
        const reason =
          e instanceof ExecError
            ? `bwrap failed (${e.signalName ?? `exit status ${String(e.code)}`}): ${e.stderr.trim().split("\n").slice(0, 3).join(" ") || "no message"}`
            : (e as Error).message.split("\n").slice(0, 3).join(" ");
        return { available: false, reason };
      }
    }
  })();
  return probed;
}
