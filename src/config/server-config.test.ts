import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../util/errors.js";
import { DEFAULT_SERVER_CONFIG, loadServerConfig } from "./server-config.js";

const dir = mkdtempSync(join(tmpdir(), "kiln-server-config-"));
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const refusal = async (file: string): Promise<UserError> => {
  const e = await loadServerConfig(file).catch((x: unknown) => x);
  if (!(e instanceof UserError)) throw new Error(`expected a UserError, got ${String(e)}`);
  return e;
};

describe("the server's configuration file", () => {
  it("defaults every upstream to the public service, with no tokens", async () => {
    expect(await loadServerConfig(undefined)).toBe(DEFAULT_SERVER_CONFIG);
    const c = await loadServerConfig(write("empty.yaml", ""));
    expect(c.endpoints.github).toBe("https://api.github.com");
    expect(c.watch).toMatchObject({ interval: 21600, "allow-private": false, "host-gap": 1 });
  });

  it("points services elsewhere and reads their tokens from files beside it", async () => {
    write("gh.token", "ghp_secret\n");
    const c = await loadServerConfig(
      write(
        "s.yaml",
        "upstreams:\n  github:\n    url: http://127.0.0.1:9/\n    token-file: gh.token\nwatch:\n  interval: 1h\n",
      ),
    );
    expect(c.endpoints.github).toBe("http://127.0.0.1:9");
    expect(c.tokens).toEqual({ github: "ghp_secret" });
    expect(c.watch.interval).toBe(3600);
  });

  it("says what is wrong and where", async () => {
    const unknown = await refusal(write("u.yaml", "upstreams:\n  bitbucket:\n    url: https://x.org\n"));
    expect(unknown.location).toMatchObject({ line: 2 });
    const missing = await refusal(write("m.yaml", "upstreams:\n  gitlab:\n    token-file: nope.token\n"));
    expect(missing.message).toMatch(/^upstreams.gitlab.token-file: cannot read .*nope.token: ENOENT/);
    write("two.token", "a b\n");
    expect(
      (await refusal(write("t.yaml", "upstreams:\n  npm:\n    token-file: two.token\n"))).message,
    ).toMatch(/holds no single token/);
    expect((await refusal(join(dir, "absent.yaml"))).code).toBe("CONFIG_MISSING");
  });
});
