// The hostile packages, added to a copy of the example set: each one attack, named for it.
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { noarchSpec, writeFile } from "../kit/index.js";

/** noarchSpec with `script` as its %build. */
export function withBuild(name: string, script: string): string {
  return noarchSpec(name).replace("%install\n", `%build\n${script}\n\n%install\n`);
}

/** noarchSpec with `lines` added at the end of %install. */
export function withInstall(name: string, lines: string): string {
  return noarchSpec(name).replace("\n%files", `${lines}\n\n%files`);
}

export interface Probe {
  /** Said in the log when the command fails: "probe: WHAT failed". */
  what: string;
  command: string;
}

/**
 * Adds the hostile packages to `set`: `secrets` are files a build must never read (listed in the
 * fake manifests, linked as a source, read at parse time); `probes` run in snoop's %build, each
 * expected to fail.
 */
export function addHostilePackages(set: string, o: { secrets: string[]; probes: Probe[] }): void {
  const pkgs = join(set, "packages");
  const manifest = ["/etc/shadow", ...o.secrets].join("\\n");
  // 1. Manifests posing as RPMs: rpm -qp would open each path listed and name its lines in errors.
  writeFile(
    join(pkgs, "fakerpm", "fakerpm.spec"),
    withInstall(
      "fakerpm",
      `mkdir -p %{_topdir}/RPMS/noarch\nprintf '${manifest}\\n' > %{_topdir}/RPMS/noarch/zz.rpm`,
    ),
  );
  writeFile(
    join(pkgs, "fakesrpm", "fakesrpm.spec"),
    withInstall(
      "fakesrpm",
      `mkdir -p %{_topdir}/SRPMS\nprintf '${manifest}\\n' > %{_topdir}/SRPMS/zz.src.rpm`,
    ),
  );
  // 2. Links: a Source that is a link to a secret, a link left in RPMS/.
  writeFile(
    join(pkgs, "linksrc", "linksrc.spec"),
    noarchSpec("linksrc").replace("BuildArch: noarch", "BuildArch: noarch\nSource0: secret.txt"),
  );
  symlinkSync(o.secrets[0]!, join(pkgs, "linksrc", "secret.txt"));
  writeFile(
    join(pkgs, "linkrpm", "linkrpm.spec"),
    withInstall(
      "linkrpm",
      "mkdir -p %{_topdir}/RPMS/noarch\nln -s /etc/shadow %{_topdir}/RPMS/noarch/zz.rpm",
    ),
  );
  // 3. Root inside the sandbox is not root.
  writeFile(join(pkgs, "readshadow", "readshadow.spec"), withBuild("readshadow", "cat /etc/shadow"));
  writeFile(
    join(pkgs, "snoop", "snoop.spec"),
    withBuild(
      "snoop",
      [
        ...o.probes.map((p) => `${p.command} || echo "probe: ${p.what} failed"`),
        'echo "probe: running as $(id -un) (uid $(id -u))"',
      ].join("\n"),
    ),
  );
  writeFile(
    join(pkgs, "parseshadow", "parseshadow.spec"),
    noarchSpec("parseshadow")
      .replace(
        "Summary: parseshadow for a Kiln test",
        "Summary: got %(cat /etc/shadow 2>&1 | head -n 3 | tr '\\n' ' ')",
      )
      .replace("parseshadow for a Kiln test.\n", `%(cat /etc/shadow 2>&1; cat ${o.secrets[0]!} 2>&1)\n`),
  );
  // 6. A build that prints 5 MB.
  writeFile(
    join(pkgs, "chatty", "chatty.spec"),
    withBuild("chatty", "head -c 5000000 /dev/zero | tr '\\0' 'x' | fold -w 99"),
  );
}

export const EXAMPLES = ["greet-data", "hello", "libcount", "libframe", "libgreet", "libstats", "libupper"];

/** The packages addHostilePackages adds. */
export const HOSTILE = [
  "fakerpm",
  "fakesrpm",
  "linksrc",
  "linkrpm",
  "readshadow",
  "snoop",
  "parseshadow",
  "chatty",
];

/**
 * The packages only a farm attacks: steal, whose run step declares an artifact that links to the
 * agent's `credential`, and swapsrc, whose source a test swaps for a link after its job was leased.
 */
export function addFarmPackages(set: string, credential: string): void {
  const pkgs = join(set, "packages");
  writeFile(join(pkgs, "steal", "steal.spec"), noarchSpec("steal"));
  writeFile(
    join(pkgs, "steal", "kiln.yaml"),
    `pipeline:
  extends: set
  insert:
    - after: build
      stages:
        - name: test
          jobs:
            - name: exfiltrate
              steps: [{ run: "ln -s ${credential} cred.txt" }]
              artifacts: [cred.txt]
`,
  );
  writeFile(
    join(pkgs, "swapsrc", "swapsrc.spec"),
    noarchSpec("swapsrc").replace("BuildArch: noarch", "BuildArch: noarch\nSource0: small.txt"),
  );
  writeFileSync(join(pkgs, "swapsrc", "small.txt"), "small\n");
}
