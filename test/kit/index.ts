// The test kit: everything a test needs, from one import. (bench/ imports the modules it uses
// directly; none of them loads vitest outside it, and ways.ts and db-suite.ts, which do, are for
// tests only.)
export * from "./api.js";
export * from "./cleanup.js";
export * from "./databases.js";
export * from "./db-suite.js";
export * from "./db-read.js";
export * from "./farm.js";
export * from "./kiln.js";
export * from "./paths.js";
export * from "./process.js";
export * from "./proxy.js";
export * from "./sets.js";
export * from "./spec.js";
export * from "./temp.js";
export * from "./ways.js";
export * from "./schema-shape.js";
export * from "./fake-upstreams.js";
export * from "./fake-git.js";
