// Release watches and update threads. Anyone may read them, as builds; a look now spends the
// upstreams' rate limits and a rejection ends a thread, so both need a maintainer.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { API_PREFIX, IdParams } from "../../api/schemas.js";
import {
  CandidateLogParams,
  CandidateView,
  RejectBody,
  UpdateList,
  UpdateListQuery,
  UpdateView,
  WatchCheckBody,
  WatchList,
} from "../../api/watch-schemas.js";
import { rejectThread, updateEvents, updatesOf } from "../../db/updates.js";
import { isOpenUpdate } from "../../core/update-thread.js";
import type { ReleaseWatcher } from "../../watch/watcher.js";
import type { Services } from "../app.js";
import { userName } from "../auth.js";
import { candidateLogPath, installLogPath, readCandidate } from "../../updates/candidate-record.js";
import { sendTextFile } from "../text-file.js";
import { ERRORS as errors, HttpError } from "../http-error.js";
import { updateView, watchView } from "../views.js";

/** What the routes ask of the update threads (src/updates/threads.ts). */
export interface ThreadActions {
  accept(id: number, by: string): Promise<void>;
}

export const watchRoutes: FastifyPluginAsyncZod<
  Pick<Services, "auth" | "db" | "data"> & { watcher: ReleaseWatcher; threads: ThreadActions }
> = async (app, { auth, db, data, watcher, threads }) => {
  app.get(
    `${API_PREFIX}/watches`,
    {
      schema: {
        summary: "Watched packages: the last look, what it saw, the last error",
        response: { 200: WatchList, ...errors },
      },
    },
    async () => ({ watches: (await watcher.rows()).map(watchView) }),
  );

  app.post(
    `${API_PREFIX}/watches/check`,
    auth.guarded("maintainer", {
      summary: "Look at these packages' upstreams now (every watched package when none is named)",
      body: WatchCheckBody,
      response: { 200: WatchList, ...errors },
    }),
    async (req) => {
      const known = new Set((await watcher.rows()).map((r) => r.package));
      const unknown = req.body.packages.filter((p) => !known.has(p));
      if (unknown.length)
        throw new HttpError(
          404,
          `not watched: ${unknown.join(", ")} (a package is watched when its kiln.yaml has watch:)`,
          "NOT_FOUND",
        );
      return { watches: (await watcher.lookNow(req.body.packages)).map(watchView) };
    },
  );

  const views = async (rows: Awaited<ReturnType<typeof updatesOf>>): Promise<UpdateView[]> => {
    const events = await updateEvents(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) =>
      updateView(
        r,
        events.filter((e) => e.update_id === r.id),
      ),
    );
  };

  app.get(
    `${API_PREFIX}/updates`,
    {
      schema: {
        summary: "Update threads, newest first: one per new upstream version, with its timeline",
        querystring: UpdateListQuery,
        response: { 200: UpdateList, ...errors },
      },
    },
    async (req) => {
      let rows = await updatesOf(db, {
        limit: req.query.limit,
        ...(req.query.package ? { package: req.query.package } : {}),
      });
      if (req.query.open) rows = rows.filter((r) => isOpenUpdate(r.state) === (req.query.open === "true"));
      return { updates: await views(rows) };
    },
  );

  const one = async (id: number): Promise<UpdateView> => {
    const [row] = await updatesOf(db, { ids: [id] });
    if (!row) throw new HttpError(404, `no update thread ${id}`, "NOT_FOUND");
    return (await views([row]))[0]!;
  };

  app.get(
    `${API_PREFIX}/updates/:id`,
    {
      schema: {
        summary: "One update thread with its timeline",
        params: IdParams,
        response: { 200: UpdateView, ...errors },
      },
    },
    async (req) => one(req.params.id),
  );

  app.get(
    `${API_PREFIX}/updates/:id/candidate`,
    {
      schema: {
        summary:
          "A thread's candidate: each package's build in it (live while it builds), what came from the farm",
        params: IdParams,
        response: { 200: CandidateView, ...errors },
      },
    },
    async (req) => {
      await one(req.params.id);
      return readCandidate(data.updateDir(req.params.id));
    },
  );

  app.get(
    `${API_PREFIX}/updates/:id/candidate/builds/:build/log`,
    {
      schema: {
        summary: "The log of one build of a thread's candidate, as text",
        params: CandidateLogParams,
      },
    },
    async (req, reply) => {
      await one(req.params.id);
      const dir = data.updateDir(req.params.id);
      const c = await readCandidate(dir);
      if (!c.builds.some((b) => b.build === req.params.build && b.log))
        throw new HttpError(
          404,
          `thread ${req.params.id}'s candidate has no log of build ${req.params.build}`,
          "NOT_FOUND",
        );
      return sendTextFile(reply, candidateLogPath(dir, req.params.build), `build ${req.params.build}'s log`);
    },
  );

  app.get(
    `${API_PREFIX}/updates/:id/install-log`,
    { schema: { summary: "What dnf said in the thread's install test, as text", params: IdParams } },
    async (req, reply) => {
      await one(req.params.id);
      return sendTextFile(
        reply,
        installLogPath(data.updateDir(req.params.id)),
        `thread ${req.params.id}'s install test log`,
      );
    },
  );

  app.post(
    `${API_PREFIX}/updates/:id/reject`,
    auth.guarded("maintainer", {
      summary: "Reject a thread's version: the thread ends and the version is never proposed again",
      params: IdParams,
      body: RejectBody,
      response: { 200: UpdateView, ...errors },
    }),
    async (req) => {
      const r = await rejectThread(db, req.params.id, userName(req), req.body.reason, new Date());
      if (r === "unknown") throw new HttpError(404, `no update thread ${req.params.id}`, "NOT_FOUND");
      if (r !== "rejected")
        throw new HttpError(409, `update thread ${req.params.id} has ended already (${r})`, "THREAD_ENDED");
      return one(req.params.id);
    },
  );

  app.post(
    `${API_PREFIX}/updates/:id/accept`,
    auth.guarded("maintainer", {
      summary:
        "Accept a ready candidate: its branch merged into the set, built by the farm, then promoted by the repositories' rules",
      params: IdParams,
      response: { 200: UpdateView, ...errors },
    }),
    async (req) => {
      await threads.accept(req.params.id, userName(req));
      return one(req.params.id);
    },
  );
};
