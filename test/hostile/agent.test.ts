// The hostile corpus on a farm: a real `kiln serve --sandbox required --max-log-mb 1` and a real
// `kiln agent` build the example set with the hostile packages in it (a kiln.yaml asking for no
// sandbox, manifests posing as RPMs, links, /etc/shadow, the server's data directory and the
// agent's credential, a 5 MB log, a run step whose artifact links to the credential); shell
// commands probe the agent; then an enrolled agent driven by hand forges results. Each attack is
// refused with its own message and status; no secret shows in any HTTP body, log, artifact or
// RPM payload; the honest packages still build green.
import { execFileSync } from "node:child_process";
import { readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { BuildView, RequestView, TokenResponse } from "../../src/api/schemas.js";
import {
  api,
  BuildList,
  copyExamples,
  JobList,
  type Proc,
  type Server,
  startAgent,
  startServer,
  tempDir,
} from "../kit/index.js";
import { FarmReader, type Pkg } from "./farm-reader.js";
import {
  describeAsRootInSandbox,
  expectNoSecret,
  expectStoreClean,
  secretOf,
  shadowSecrets,
  type Secret,
} from "./helpers.js";
import { addFarmPackages, addHostilePackages, EXAMPLES, HOSTILE } from "./packages.js";
import { RogueAgent, type Leased } from "./rogue-agent.js";

describeAsRootInSandbox("a hostile set on a farm", () => {
  let server: Server;
  let agent: Proc;
  let set = "";
  let data = "";
  let agentDir = "";
  let secrets: Secret[] = [];
  let maintainer = "";
  let main: Record<string, Pkg> = {};
  /** Every HTTP body the test read, all searched for secrets at the end. */
  const reader = new FarmReader(() => server.url);
  const bodies = reader.bodies;
  const call = reader.call.bind(reader);
  const build = async (pkg: string): Promise<BuildView> =>
    (await call("GET", `/builds/${main[pkg]!.build}`, { schema: BuildView })).body;
  const log = async (pkg: string): Promise<string> =>
    (await call("GET", `/builds/${main[pkg]!.build}/log`)).text;
  const request = async (body: unknown, token = server.admin): Promise<Record<string, Pkg>> => {
    const r = await call("POST", "/requests", { token, body, schema: RequestView });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return Object.fromEntries((await reader.finished(r.body.id, 240_000)).map((p) => [p.package, p]));
  };

  beforeAll(async () => {
    set = copyExamples();
    data = tempDir("kiln-farm-data-");
    agentDir = tempDir("kiln-agent-");
    const config = join(set, "kiln.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("  sandbox: auto\n", "  sandbox: off\n"));
    const credential = join(agentDir, "agent.json");
    addHostilePackages(set, {
      secrets: [join(data, "admin.token"), credential, join(data, "enrol.token")],
      probes: [
        { what: "ls of the data directory", command: `ls -la ${data}` },
        { what: "cat of admin.token", command: `cat ${data}/admin.token` },
        { what: "cat of the agent's credential", command: `cat ${credential}` },
        { what: "ls of the agent's work directory", command: `ls ${agentDir}` },
        { what: "ls of /root", command: "ls /root" },
      ],
    });
    addFarmPackages(set, credential);
    server = await startServer({
      set,
      data,
      extra: ["--sandbox", "required", "--max-log-mb", "1", "--poll", "0"],
    });
    agent = startAgent({
      url: server.url,
      token: server.enrol,
      workdir: agentDir,
      name: "builder",
      slots: 2,
    });
    await agent.waitFor(/ready/);
    secrets = [
      ...shadowSecrets(),
      secretOf(join(data, "admin.token"), "the admin token"),
      secretOf(join(data, "enrol.token"), "the enrolment token"),
      secretOf(credential, "the agent's credential"),
    ];
    const t = await api(server.url, "POST", "/tokens", {
      token: server.admin,
      body: { name: "maintainer", role: "maintainer" },
      schema: TokenResponse,
    });
    maintainer = t.body.token;
    secrets.push({ name: "the maintainer's token", value: maintainer });
    // swapsrc is built later, on its own (its source is swapped for a link while the agent fetches).
    main = await request({ packages: [...EXAMPLES, ...HOSTILE, "steal"] });
  }, 300_000);

  it("the honest example packages build green on the agent beside the attacks", () => {
    const status = Object.fromEntries(Object.values(main).map((p) => [p.package, p.status]));
    expect(status).toEqual({
      ...Object.fromEntries([...EXAMPLES, "snoop", "parseshadow", "chatty"].map((p) => [p, "green"])),
      ...Object.fromEntries(
        ["fakerpm", "fakesrpm", "linkrpm", "readshadow", "steal"].map((p) => [p, "failed"]),
      ),
      // A Source that is a link: refused when the set is planned, so the package is invalid.
      linksrc: "invalid",
    });
  });

  it("kiln.yaml's sandbox: off under --sandbox required: built in bubblewrap, as kiln-build", async () => {
    expect((await build("snoop")).sandbox).toBe("bubblewrap");
    const text = await log("snoop");
    expect(text).toContain("kiln: sandbox (bubblewrap, no network): rpmbuild");
    expect(text).toMatch(/probe: running as kiln-build \(uid \d+\)/);
  });

  it("a build reads neither the server's data directory, the agent's credential nor /root", async () => {
    const text = await log("snoop");
    for (const what of [
      "ls of the data directory",
      "cat of admin.token",
      "cat of the agent's credential",
      "ls of the agent's work directory",
      "ls of /root",
    ])
      expect(text).toContain(`probe: ${what} failed`);
  });

  it("cat /etc/shadow in %build is denied on the agent", async () => {
    expect((await build("readshadow")).error).toBe("rpmbuild failed (exit status 1)");
    expect(await log("readshadow")).toContain("cat: /etc/shadow: Permission denied");
  });

  it("%(cat /etc/shadow) at parse time on the server gets nothing", async () => {
    const b = await build("parseshadow");
    const rpm = b.artifacts.find((a) => a.filename.endsWith(".noarch.rpm"))!;
    expect(rpm.filename).toBe("parseshadow-1.0-1.kiln1.noarch.rpm");
    const bytes = Buffer.from(await (await fetch(`${server.url}${rpm.url}`)).arrayBuffer());
    const file = join(tempDir("kiln-rpm-"), rpm.filename);
    writeFileSync(file, bytes);
    expect(execFileSync("rpm", ["-qp", "--nosignature", "--qf", "%{SUMMARY}", file]).toString()).toBe(
      "got cat: /etc/shadow: Permission denied",
    );
  });

  it("manifests named zz.rpm and zz.src.rpm are refused before rpm reads them, naming the file", async () => {
    expect((await build("fakerpm")).error).toBe(
      "RPMS/noarch/zz.rpm is not an RPM package (it does not start with an RPM lead)",
    );
    expect((await build("fakesrpm")).error).toBe(
      "SRPMS/zz.src.rpm is not an RPM package (it does not start with an RPM lead)",
    );
    expect(await log("fakerpm")).toContain("RPMS/noarch/zz.rpm is not an RPM package");
  });

  it("a link left in RPMS/ is refused; a Source that is a link makes its package fail at once, naming it", async () => {
    expect((await build("linkrpm")).error).toBe(
      "the build left RPMS/noarch/zz.rpm, a symbolic link: refused (Kiln does not follow links a build made)",
    );
    // The set's loader refuses it first, at the spec's line.
    expect(main.linksrc!.error).toMatch(
      /^packages\/linksrc\/linksrc\.spec:7: Source0 "secret\.txt": packages\/linksrc\/secret\.txt is a symbolic link: Kiln does not follow links\n/,
    );
    expect(main.linksrc!.build).toBeNull();
  });

  it("a run step whose artifact is a link to the agent's credential is refused, nothing uploaded", async () => {
    expect((await build("steal")).error).toBe(
      "test/exfiltrate: artifact cred.txt is a symbolic link (cred.txt): Kiln does not follow links: refused",
    );
    const names = (await build("steal")).artifacts.map((a) => a.filename);
    expect(names).not.toContain("cred.txt");
  });

  it("a build printing 5 MB: its log stops near 1 MiB, saying so, and the build ends", async () => {
    const text = await log("chatty");
    expect(text.length).toBeGreaterThan(1024 * 1024 - 200);
    expect(text.length).toBeLessThan(1024 * 1024 + 1024);
    expect(text).toMatch(
      /\nkiln: the log was cut at 1048576 bytes \(--max-log-mb\); the rest was dropped\n$/,
    );
    expect(main.chatty!.status).toBe("green");
  });

  it("commands run sandboxed with a clean environment: no KILN_ variable, no credential, no data directory", async () => {
    const cmds = {
      env: "if env | grep -q '^KILN_'; then exit 3; fi; if env | grep -qi token; then exit 4; fi",
      credential: `cat ${agentDir}/agent.json`,
      data: `ls ${data}`,
      shadow: "cat /etc/shadow",
      control: "exit 7",
    };
    const ids: Record<string, number> = {};
    const jobs: Record<string, number> = {};
    for (const [k, command] of Object.entries(cmds)) {
      const r = await call("POST", "/commands", {
        token: maintainer,
        body: { command, count: 1 },
        schema: RequestView,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids[k] = r.body.id;
      jobs[k] = r.body.jobs[0]!.id;
    }
    const outcome: Record<string, string> = {};
    for (const [k, id] of Object.entries(ids)) {
      const p = await settled(id);
      outcome[k] = `${p.status}${p.error ? `: ${p.error}` : ""}`;
    }
    expect(outcome).toEqual({
      env: "green",
      credential: "failed: exit status 1",
      data: "failed: exit status 2",
      shadow: "failed: exit status 1",
      control: "failed: exit status 7",
    });
    // Its output is the job's log, which says how it ran.
    const log = (await call("GET", `/jobs/${jobs.shadow}/log`)).text;
    expect(log).toMatch(/^kiln: sh -c "cat \/etc\/shadow", in bubblewrap as kiln-build \(uid \d+\)\n/);
    expect(log).toContain("cat: /etc/shadow: Permission denied\n");
    expect(log).toMatch(/kiln: the command failed: exit status 1\n$/);
  });

  it("a source swapped for a link while the agent fetches: 409 FILE_REFUSED, the job fails at once naming it", async () => {
    // The agent is stopped while its long poll is open: the job is leased to it, and it fetches
    // the source only after the swap.
    const small = join(set, "packages", "swapsrc", "small.txt");
    agent.child.kill("SIGSTOP");
    let id: number;
    try {
      const r = await call("POST", "/requests", {
        token: server.admin,
        body: { packages: ["swapsrc"] },
        schema: RequestView,
      });
      expect(r.status).toBe(201);
      id = r.body.id;
      for (let i = 0; ; i++) {
        const { jobs } = (await call("GET", "/jobs?status=leased", { schema: JobList })).body;
        if (jobs.some((j) => j.package === "swapsrc")) break;
        if (i > 100) throw new Error("swapsrc was not leased to the stopped agent");
        await new Promise((res) => setTimeout(res, 50));
      }
      // Claimed; the server hashes the sources and sends the lease a moment later.
      await new Promise((res) => setTimeout(res, 1000));
      renameSync(small, `${small}.real`);
      symlinkSync(join(data, "admin.token"), small);
    } finally {
      agent.child.kill("SIGCONT");
    }
    try {
      // Well before the lease (60 s) could expire: the agent reported it.
      const p = (await reader.finished(id, 30_000))[0]!;
      expect(p.status).toBe("failed");
      expect((await call("GET", `/builds/${p.build}`, { schema: BuildView })).body.error).toBe(
        "packages/swapsrc/small.txt is a symbolic link: Kiln does not follow links",
      );
    } finally {
      renameSync(`${small}.real`, small);
    }
  });

  // From here on, the agent that builds is stopped: an enrolled agent driven by hand forges results.
  let rogue: RogueAgent;
  let repos = "";
  const forced = async (): Promise<{ id: number; job: Leased }> => {
    const r = await call("POST", "/requests", {
      token: server.admin,
      body: { packages: ["greet-data"], force: true },
      schema: RequestView,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const job = await rogue.lease();
    expect(job.package).toBe("greet-data");
    return { id: r.body.id, job };
  };
  const settled = async (id: number): Promise<Pkg> => (await reader.finished(id))[0]!;

  it("an upload that is not an RPM, named .rpm: 422 RESULT_REFUSED, no rpm output, the repository unchanged", async () => {
    agent.child.kill("SIGTERM");
    await agent.exited;
    // Its last long poll (10 s) is still open on the server, which would lease it the next job.
    await new Promise((r) => setTimeout(r, 10_500));
    rogue = await RogueAgent.enrol(server.url, server.enrol, "rogue");
    repos = JSON.stringify((await call("GET", "/repositories")).body);
    const { id, job } = await forced();
    const name = "greet-data-1.0-1.kiln1.noarch.rpm";
    const up = await rogue.upload(job, name, Buffer.from(`/etc/shadow\n${data}/admin.token\n`));
    expect(up.status).toBe(201);
    const r = await rogue.result(job, { ok: true, artifacts: [{ filename: name, sha256: up.body.sha256! }] });
    expect(r).toEqual({
      status: 422,
      body: {
        error: `${name} is not an RPM package (it does not start with an RPM lead)`,
        code: "RESULT_REFUSED",
      },
    });
    const refused = await settled(id);
    expect(refused.status).toBe("failed");
    expect((await call("GET", `/builds/${refused.build}`, { schema: BuildView })).body.error).toBe(
      `the result of agent rogue was refused: ${name} is not an RPM package (it does not start with an RPM lead)`,
    );
    expect(JSON.stringify((await call("GET", "/repositories")).body)).toBe(repos);
  });

  let finished: Leased;
  it("a real RPM of another package in greet-data's result: 422 RESULT_REFUSED, the repository unchanged", async () => {
    const fetchArtifact = async (
      pkg: string,
      suffix: string,
    ): Promise<{ filename: string; bytes: Buffer }> => {
      const a = (await build(pkg)).artifacts.find((x) => x.filename.endsWith(suffix))!;
      return {
        filename: a.filename,
        bytes: Buffer.from(await (await fetch(`${server.url}${a.url}`)).arrayBuffer()),
      };
    };
    const srpm = await fetchArtifact("greet-data", ".src.rpm");
    const other = await fetchArtifact("hello", ".x86_64.rpm");
    const { id, job } = await forced();
    const artifacts = [];
    for (const f of [srpm, other]) {
      const up = await rogue.upload(job, f.filename, f.bytes);
      expect(up.status).toBe(201);
      artifacts.push({ filename: f.filename, sha256: up.body.sha256! });
    }
    const r = await rogue.result(job, { ok: true, artifacts });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({
      error: `${other.filename} was built from hello-1.0-1.kiln1.src.rpm, not from this build's ${srpm.filename}: refused`,
      code: "RESULT_REFUSED",
    });
    expect((await settled(id)).status).toBe("failed");
    expect(JSON.stringify((await call("GET", "/repositories")).body)).toBe(repos);
    finished = job;
  });

  it("a result replayed with a finished job's lease is not applied; on another job it is refused (409)", async () => {
    const again = await rogue.result(finished, { ok: true, artifacts: [] });
    expect(again).toEqual({ status: 200, body: { status: "failed", duplicate: true } });
    const { id, job } = await forced();
    const stale = { job: job.job, leaseToken: finished.leaseToken };
    const r = await rogue.result(stale, { ok: true, artifacts: [] });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("LEASE_LOST");
    const up = await rogue.upload(stale, "x.rpm", Buffer.from("x"));
    expect(up.status).toBe(409);
    expect(up.body.code).toBe("LEASE_LOST");

    // Uploads under names with "/" or "..", or hidden: refused by the schema, nothing stored.
    // (A bare ".." never reaches the route: the URL resolves it, to a path that is not one.)
    const expected = { "..%2F..%2Fadmin.token": 400, "a%2Fb.rpm": 400, ".hidden.rpm": 400, "..": 404 };
    for (const [name, status] of Object.entries(expected)) {
      const bad = await rogue.upload(job, name, Buffer.from("x"));
      expect(bad.status, name).toBe(status);
      if (status === 400) expect(bad.body.code, name).toBe("INVALID_REQUEST");
    }
    const named = await rogue.result(job, {
      ok: true,
      artifacts: [{ filename: "../x.rpm", sha256: "0".repeat(64) }],
    });
    expect(named.status).toBe(400);

    // The set changes under a leased job: a source swapped for a link is refused, never followed.
    const source = join(set, "packages", "greet-data", "greeting");
    renameSync(source, `${source}.real`);
    symlinkSync(join(data, "admin.token"), source);
    try {
      const f = await rogue.file(job, "greeting");
      expect(f).toEqual({
        status: 409,
        body: {
          error: "packages/greet-data/greeting is a symbolic link: Kiln does not follow links",
          code: "FILE_REFUSED",
        },
      });
    } finally {
      renameSync(`${source}.real`, source);
    }
    expect((await rogue.result(job, { ok: false, artifacts: [] })).status).toBe(200);
    expect((await settled(id)).status).toBe("failed");
    expect(JSON.stringify((await call("GET", "/repositories")).body)).toBe(repos);
  });

  it("a source swapped for a link after the request was planned: the job fails when leased, naming the link", async () => {
    const r = await call("POST", "/requests", {
      token: server.admin,
      body: { packages: ["greet-data"], force: true },
      schema: RequestView,
    });
    expect(r.status).toBe(201);
    const source = join(set, "packages", "greet-data", "greeting");
    renameSync(source, `${source}.real`);
    symlinkSync(join(data, "admin.token"), source);
    try {
      expect(await rogue.leaseAll(1000)).toEqual([]);
    } finally {
      renameSync(`${source}.real`, source);
    }
    const p = await settled(r.body.id);
    expect(p.status).toBe("failed");
    const refusal =
      "the server could not prepare the build: packages/greet-data/greeting is a symbolic link: Kiln does not follow links";
    expect(p.error).toBe(refusal);
    // No build of the package is left running.
    const { builds } = (await call("GET", "/builds?limit=1000", { schema: BuildList })).body;
    expect(builds.some((b) => b.package === "greet-data")).toBe(true);
    expect(builds.filter((b) => b.package === "greet-data" && b.status === "running")).toEqual([]);
    expect(JSON.stringify((await call("GET", "/repositories")).body)).toBe(repos);
  });

  it("no secret shows in any HTTP body, build log, job log, artifact or RPM payload", async () => {
    expect(await reader.readEverything()).toBeGreaterThan(15);
    bodies.push(...rogue.bodies);
    bodies.forEach((b, i) => expectNoSecret(`HTTP body ${i}`, b, secrets));
    // What the server serves comes from its store and repositories: every RPM opened.
    expect(expectStoreClean(join(data, "artifacts"), secrets)).toBeGreaterThan(2 * EXAMPLES.length);
    expectStoreClean(join(data, "repos"), secrets);
  });
});
