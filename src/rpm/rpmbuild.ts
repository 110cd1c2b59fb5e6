// The rpmbuild command line and environment for building one spec against a build root.

export interface RpmbuildLayout {
  /** rpmbuild's _topdir as the build sees it. */
  topdir: string;
  /** A private temporary directory (rpm's %_tmppath, otherwise /var/tmp). */
  tmpdir: string;
  specFile: string;
  dist: string;
}

export function rpmbuildArgv(l: RpmbuildLayout): string[] {
  const define = (k: string, v: string): string[] => ["--define", `${k} ${v}`];
  // rpm's pkgconfig dependency generator runs pkg-config on the built .pc files by absolute path;
  // pkgconf prefixes even those with PKG_CONFIG_SYSROOT_DIR, finds nothing, and the RPM silently
  // loses its pkgconfig(...) Provides and Requires. Run it without the sysroot.
  const pcdeps = (mode: string): string =>
    `env -u PKG_CONFIG_SYSROOT_DIR %{_rpmconfigdir}/pkgconfigdeps.sh ${mode}`;
  return [
    "rpmbuild",
    "-ba",
    "--nodeps", // the host's rpm database is not the build root's; Kiln installed the BuildRequires
    ...define("_topdir", l.topdir),
    ...define("_tmppath", l.tmpdir),
    ...define("dist", l.dist),
    ...define("_buildhost", "kiln"),
    ...define("__pkgconfig_provides", pcdeps("--provides")),
    ...define("__pkgconfig_requires", pcdeps("--requires")),
    // Reproducible output: timestamps from the spec's %changelog when it has one.
    ...define("source_date_epoch_from_changelog", "1"),
    ...define("use_source_date_epoch_as_buildtime", "1"),
    ...define("clamp_mtime_to_source_date_epoch", "1"),
    l.specFile,
  ];
}

/** How the compiler, linker, pkg-config and the built programs find what the build root holds. */
export function buildEnv(root: string, home: string): Record<string, string> {
  const lib = `${root}/usr/lib64:${root}/usr/lib`;
  return {
    PATH: `${root}/usr/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
    HOME: home,
    LANG: "C.UTF-8",
    TZ: "UTC",
    PKG_CONFIG_PATH: `${root}/usr/lib64/pkgconfig:${root}/usr/lib/pkgconfig:${root}/usr/share/pkgconfig`,
    PKG_CONFIG_SYSROOT_DIR: root,
    CPATH: `${root}/usr/include`,
    LIBRARY_PATH: lib,
    // %check runs the freshly built programs: they must load the root's libraries, not the host's.
    LD_LIBRARY_PATH: lib,
    KILN_BUILDROOT: root,
  };
}
