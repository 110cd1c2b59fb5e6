// The unprivileged user that sandboxed builds and spec parsing run as when Kiln runs as root: a
// system user of its own (kiln-build, or KILN_BUILD_USER), made with useradd on first use. It owns
// nothing on the host but the build trees Kiln hands it.
import { exec, ExecError } from "../util/exec.js";

export interface BuildUser {
  name: string;
  uid: number;
  gid: number;
}

export const BUILD_USER = "kiln-build";

async function lookup(name: string): Promise<BuildUser | undefined> {
  try {
    const { stdout } = await exec(["getent", "passwd", name]);
    const [, , uid, gid] = stdout.trim().split(":");
    return { name, uid: Number(uid), gid: Number(gid) };
  } catch (e) {
    if (e instanceof ExecError && e.code === 2) return undefined; // getent: no such key
    throw e;
  }
}

export async function ensureBuildUser(name = process.env.KILN_BUILD_USER ?? BUILD_USER): Promise<BuildUser> {
  let user = await lookup(name);
  // Several kiln processes may start at once on a fresh machine: useradd then fails for all but
  // one (the user exists, or /etc/passwd is locked). Whoever made it, the user is looked up again.
  for (let attempt = 1; !user; attempt++) {
    try {
      // flock: concurrent useradds are not safe here (one can rewrite /etc/passwd from a stale copy).
      const flock = ["flock", "--timeout", "30", "/run/lock/kiln-build-user.lock"];
      const system = ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent"];
      const login = ["--shell", "/usr/sbin/nologin", "--comment", "Kiln sandboxed builds"];
      await exec([...flock, "useradd", ...system, ...login, name]);
    } catch (e) {
      user = await lookup(name);
      if (user) break;
      if (attempt >= 5) {
        throw new Error(`cannot create the build user ${name} (useradd failed): sandboxed builds need it`, {
          cause: e,
        });
      }
      await new Promise((r) => setTimeout(r, 100 * attempt));
      continue;
    }
    user = await lookup(name);
    if (!user) throw new Error(`the build user ${name} does not exist after useradd`);
  }
  if (user.uid === 0 || user.gid === 0) {
    throw new Error(`the build user ${name} has uid or gid 0: it must be an unprivileged user`);
  }
  return user;
}
