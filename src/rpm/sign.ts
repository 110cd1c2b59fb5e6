// Signing with GnuPG: RPMs with rpmsign (a signature header rpm and dnf check with gpgcheck), a
// repository's repomd.xml with a detached armored signature (repo_gpgcheck), and the public key
// clients import. Keys live in the keyring GNUPGHOME names (the server's environment).
import { existsSync } from "node:fs";
import { chmod, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { exec } from "../util/exec.js";

function gpgEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    ...(process.env.GNUPGHOME ? { GNUPGHOME: process.env.GNUPGHOME } : {}),
  };
}

/** gpg as this machine has it: Debian's rpm looks for gpg2, which Debian does not ship. */
function gpgPath(): string {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    for (const name of ["gpg", "gpg2"]) if (existsSync(join(dir, name))) return join(dir, name);
  }
  return "gpg";
}

/** A signed copy of `src` at `dest`. */
export async function signRpm(src: string, dest: string, key: string): Promise<void> {
  await copyFile(src, dest);
  await chmod(dest, 0o644);
  const defines = ["--define", `_gpg_name ${key}`, "--define", `__gpg ${gpgPath()}`];
  await exec(["rpmsign", "--addsign", ...defines, dest], { env: gpgEnv() });
}

/** FILE.asc beside `file`: an armored detached signature. */
export async function signDetached(file: string, key: string): Promise<void> {
  await exec(["gpg", "--batch", "--yes", "--local-user", key, "--armor", "--detach-sign", file], {
    env: gpgEnv(),
  });
}

/** The public key, armored, for clients to import; an error naming the key when there is none. */
export async function exportPublicKey(key: string): Promise<string> {
  const { stdout } = await exec(["gpg", "--batch", "--armor", "--export", key], { env: gpgEnv() });
  if (!stdout.includes("BEGIN PGP PUBLIC KEY BLOCK")) {
    throw new Error(
      `no GPG key "${key}" in the keyring${process.env.GNUPGHOME ? ` at ${process.env.GNUPGHOME}` : " (~/.gnupg; set GNUPGHOME)"}`,
    );
  }
  return stdout;
}
