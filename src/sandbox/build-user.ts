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
  if (!user) {
    try {
      await exec([
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        "--comment",
        "Kiln sandboxed builds",
        name,
      ]);
    } catch (e) {
      // Another kiln process made it first (useradd: exit 9, the user exists).
      if (!(e instanceof ExecError && e.code === 9)) {
        throw new Error(`cannot create the build user ${name} (useradd failed): sandboxed builds need it`, {
          cause: e,
        });
      }
    }
    user = await lookup(name);
    if (!user) throw new Error(`the build user ${name} does not exist after useradd`);
  }
  if (user.uid === 0 || user.gid === 0) {
    throw new Error(`the build user ${name} has uid or gid 0: it must be an unprivileged user`);
  }
  return user;
}
