// Shared value types of Kiln's pure core. No IO here or anywhere under src/core.

/** An rpm epoch:version-release. `release` is absent in a version constraint that names none. */
export interface Evr {
  epoch?: number;
  version: string;
  release?: string;
}

export type DepOp = "<" | "<=" | "=" | ">=" | ">";

/** One simple rpm dependency or capability: `name`, or `name OP evr`. */
export interface Dep {
  name: string;
  op?: DepOp;
  evr?: Evr;
}
