import { describe, expect, it } from "vitest";
import Fastify from "fastify";
import { ConflictError, NotFoundError, RefusedError, unknownPackages, UserError } from "../util/errors.js";
import { setErrorHandler, withoutPaths } from "./error-handler.js";

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

describe("the answer to a domain error", () => {
  it.each([
    [new UserError("USAGE", "say which"), 400, "USAGE", "say which"],
    [unknownPackages(["nope", "nada"]), 404, "PACKAGE_UNKNOWN", "no package named nope, nada in the set"],
    [new NotFoundError("NOT_FOUND", "no job 7"), 404, "NOT_FOUND", "no job 7"],
    [new ConflictError("LEASE_LOST", "job 7 is not leased"), 409, "LEASE_LOST", "job 7 is not leased"],
    [new RefusedError("CHECKSUM", "stored /srv/set/x.rpm differs"), 422, "CHECKSUM", "stored x.rpm differs"],
  ])("%s: its kind's status, its code, its message", async (err, status, code, error) => {
    const app = Fastify();
    setErrorHandler(app, { roots, log: () => undefined });
    app.get("/", () => {
      throw err;
    });
    const r = await app.inject({ method: "GET", url: "/" });
    await app.close();
    expect(r.statusCode).toBe(status);
    expect(r.json()).toEqual({ error, code });
  });
});
