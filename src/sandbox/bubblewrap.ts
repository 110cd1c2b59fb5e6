// Runs a command inside bubblewrap: the host's /usr and /etc read-only, no network, a fresh /tmp,
// only the directories named in the spec visible, an unprivileged user, a clean environment.
// Specs are code (rpm runs their %(shell) and %{lua:} while parsing), so both reading and
// building a spec go through here where bubblewrap works.
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { exec } from "../util/exec.js";

export interface Mount {
  src: string;
  dest: string;
}

export interface SandboxSpec {
  /** Read-only binds, applied in order after the host system, so later ones cover earlier ones. */
  readOnly?: Mount[];
  /** Read-write binds. */
  readWrite?: Mount[];
  env: Record<string, string>;
  cwd: string;
}

const hostTop = ["/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"];

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
  a.push("--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  a.push("--dir", "/var", "--tmpfs", "/var/tmp");
  for (const m of spec.readOnly ?? []) a.push("--ro-bind", m.src, m.dest);
  for (const m of spec.readWrite ?? []) a.push("--bind", m.src, m.dest);
  a.push("--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000");
  a.push("--die-with-parent", "--new-session", "--clearenv");
  for (const [k, v] of Object.entries(spec.env)) a.push("--setenv", k, v);
  a.push("--chdir", spec.cwd, "--", ...command);
  return a;
}

export interface SandboxProbe {
  available: boolean;
  /** Why not, when it is not. */
  reason?: string;
}

let probed: Promise<SandboxProbe> | undefined;

/** Whether bubblewrap runs here (it needs unprivileged user namespaces, which containers may block). */
export function probeSandbox(): Promise<SandboxProbe> {
  probed ??= exec(bwrapArgv({ env: { PATH: "/usr/bin:/bin" }, cwd: "/" }, ["true"])).then(
    () => ({ available: true }),
    (e: Error) => ({ available: false, reason: e.message.split("\n").slice(0, 3).join(" ") }),
  );
  return probed;
}
