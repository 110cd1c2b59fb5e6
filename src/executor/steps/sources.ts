// The sources step: the spec into top/SPECS and its sources into top/SOURCES, copied by `kiln build`
// or fetched and checked against their sha256 by an agent (the caller's fetchSources).
import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { timedStep } from "../step.js";

export const sources = timedStep(async (ctx) => {
  for (const d of ["SPECS", "SOURCES"]) await mkdir(join(ctx.top, d), { recursive: true });
  await ctx.input.fetchSources(join(ctx.top, "SPECS"), join(ctx.top, "SOURCES"));
  ctx.say(`spec and sources in ${relative(ctx.input.jobDir, ctx.top)}/`);
});
