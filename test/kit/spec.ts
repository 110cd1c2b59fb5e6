// The kit's one way to write a spec, and the kiln.yaml texts the tests share.

export interface SpecOptions {
  buildRequires?: string[];
  requires?: string[];
  version?: string;
  /** The Release before %{?dist} (default 1). */
  release?: string;
  /** Lines of a %build section (none by default). */
  build?: string[];
  /** What the installed file holds (default: the package's name). */
  content?: string;
  /** More lines at the end of %install. */
  install?: string[];
}

/** A minimal valid spec: a noarch package installing %{_datadir}/NAME/NAME.txt. */
export function noarchSpec(name: string, o: SpecOptions = {}): string {
  const build = o.build ? `\n%build\n${o.build.join("\n")}\n` : "";
  const install = o.install?.length ? `${o.install.join("\n")}\n` : "";
  return `Name: ${name}
Version: ${o.version ?? "1.0"}
Release: ${o.release ?? "1"}%{?dist}
Summary: ${name} for a Kiln test
License: MIT
BuildArch: noarch
${(o.buildRequires ?? []).map((b) => `BuildRequires: ${b}`).join("\n")}
${(o.requires ?? []).map((b) => `Requires: ${b}`).join("\n")}

%description
${name} for a Kiln test.
${build}
%install
mkdir -p %{buildroot}%{_datadir}/${name}
echo ${o.content ?? name} > %{buildroot}%{_datadir}/${name}/${name}.txt
${install}
%files
%{_datadir}/${name}
`;
}

export const KILN_YAML = `name: test
host:
  provides: [gcc, make, pkgconf, /usr/bin/pkg-config, "libc.so.6*", "rtld(GNU_HASH)", /bin/sh]
`;

/** A set whose pipeline has two test jobs, a report stage fed by their artifacts, and a release stage that waits for approval. */
export const PIPELINE_YAML = `${KILN_YAML}build:
  rpmlint: "off"
pipeline:
  stages:
    - name: build
      jobs:
        - name: rpm
          steps: [sources, build-dependencies, rpmbuild, check]
    - name: test
      jobs:
        - name: list
          steps:
            - run: ls $KILN_RPMS > rpms.txt; echo "$GREETING" >> rpms.txt
              env: { GREETING: hello-from-env }
          artifacts: [rpms.txt]
        - name: unpack
          steps:
            - run: for r in $KILN_RPMS/*.noarch.rpm; do rpm2cpio $r | cpio -id --quiet; done; test -f usr/share/\${KILN_PACKAGE}/\${KILN_PACKAGE}.txt
    - name: report
      jobs:
        - name: summary
          steps:
            - run: cp $KILN_INPUTS/rpms.txt summary.txt; grep -q "\${KILN_PACKAGE}-1.0" summary.txt
          artifacts: [summary.txt]
    - name: release
      approval: manual
      jobs:
        - name: publish
          steps: [publish]
`;

/** What PIPELINE_YAML keeps with the build of a package `one`, sorted: its RPMs, logs and the jobs' files. */
export const PIPELINE_ARTIFACTS = [
  "build.log",
  "one-1.0-1.kiln.noarch.rpm",
  "one-1.0-1.kiln.src.rpm",
  "report-summary.log",
  "rpms.txt",
  "summary.txt",
  "test-list.log",
  "test-unpack.log",
];

/** A package error as `kiln plan --format json` gives it. */
export interface PlanError {
  package: string;
  code: string;
  message: string;
  file: string;
  line?: number;
}
