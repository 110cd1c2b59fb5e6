import { describe, expect, it } from "vitest";
import { withoutPaths } from "./error-handler.js";

const roots = ["/var/lib/kiln", "/srv/set"];

describe("withoutPaths", () => {
  it.each([
    ["/var/lib/kiln/builds/4/build.log is missing", "builds/4/build.log is missing"],
    ["packages/a/a.spec: bad (/srv/set/packages/a/a.spec)", "packages/a/a.spec: bad (packages/a/a.spec)"],
    ["in /srv/set: no kiln.yaml", "in .: no kiln.yaml"],
    ["cannot read /etc/shadow", "cannot read …"],
    ["home: '/root/.ssh/id_rsa'", "home: '…'"],
    ["no package a/b (relative stays)", "no package a/b (relative stays)"],
  ])("%s", (message, shown) => {
    expect(withoutPaths(message, roots)).toBe(shown);
  });
});
