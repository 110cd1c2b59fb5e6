// Kiln's data directory: the database, artifact store, build roots, build logs and repositories.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../util/errors.js";

export class DataDir {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }
  get dbUrl(): string {
    return `sqlite:${join(this.root, "kiln.db")}`;
  }
  get artifacts(): string {
    return join(this.root, "artifacts");
  }
  get buildroots(): string {
    return join(this.root, "buildroots");
  }
  get builds(): string {
    return join(this.root, "builds");
  }
  get repos(): string {
    return join(this.root, "repos");
  }
  /** An update thread's own files: its worktree while bumping, a patch and tarball outside git. */
  updateDir(id: number): string {
    return join(this.root, "updates", String(id));
  }
  buildDir(id: number): string {
    return join(this.builds, String(id));
  }
  /** Where clients point: a symbolic link to the repository's current snapshot. */
  repoPath(name: string): string {
    return join(this.repos, name);
  }

  /** The artifact stores of the agents `kiln serve --local-agents` keeps here (copies, for repairs). */
  agentStores(): string[] {
    const dir = join(this.root, "agents");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((n) => join(dir, n, "artifacts"))
      .filter((p) => existsSync(p));
  }

  /** Creates the directory; inside a package set it also keeps git from tracking it. */
  create(): void {
    mkdirSync(this.root, { recursive: true });
    writeFileSync(
      join(this.root, ".gitignore"),
      "# Kiln's data directory: nothing here belongs in git.\n*\n",
    );
  }

  /** Takes the directory for this process; a second kiln on the same data directory is refused. */
  lock(): () => void {
    const file = join(this.root, "lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, String(process.pid), { flag: "wx" });
        return () => rmSync(file, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const pid = Number(readFileSync(file, "utf8").trim());
        if (pid && pid !== process.pid && alive(pid)) {
          throw new UserError(
            "DATA_LOCKED",
            `another kiln process (pid ${pid}) is using the data directory ${this.root}`,
            { file },
            "wait for it to finish, or pass a different --data",
          );
        }
        rmSync(file, { force: true }); // left by a process that died
      }
    }
    throw new Error(`cannot lock ${file}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
