// rpm dependencies: simple ones (`name [OP evr]`), rich (boolean) ones as rpm 4.18 writes them, and
// whether a capability satisfies a requirement.
import { compareEvr, EvrSyntaxError, formatEvr, parseEvr } from "./rpmvercmp.js";
import type { Dep, DepOp } from "./types.js";

export class DepSyntaxError extends Error {
  constructor(
    readonly text: string,
    readonly problem: string,
    /** 0-based offset in `text` where the problem is. */
    readonly offset: number,
  ) {
    super(`${problem} at column ${offset + 1} of "${text}"`);
    this.name = "DepSyntaxError";
  }
}

export type DepExpr =
  | { kind: "dep"; dep: Dep }
  | { kind: "and" | "or" | "with" | "without"; args: DepExpr[] }
  | { kind: "if" | "unless"; then: DepExpr; cond: DepExpr; else?: DepExpr };

// rpm also accepts the spellings "==", "=<" and "=>".
const OPS: ReadonlyMap<string, DepOp> = new Map<string, DepOp>([
  ["<", "<"],
  ["<=", "<="],
  ["=<", "<="],
  ["=", "="],
  ["==", "="],
  [">=", ">="],
  ["=>", ">="],
  [">", ">"],
]);

const RICH_OPS = ["and", "or", "if", "unless", "else", "with", "without"] as const;
type RichOp = (typeof RICH_OPS)[number];
const CHAINABLE: ReadonlySet<RichOp> = new Set<RichOp>(["and", "or", "with"]);

const isSpace = (c: string): boolean => {
  const code = c.charCodeAt(0);
  return code > 32 && code < 127 ? false : /\s/.test(c);
};

class Parser {
  pos = 0;

  constructor(readonly text: string) {}

  fail(problem: string, at: number = this.pos): never {
    throw new DepSyntaxError(this.text, problem, at);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.pos);
  }

  skipSpace(): void {
    while (!this.atEnd() && isSpace(this.peek())) this.pos++;
  }

  /** A run of non-space characters; parentheses inside must balance, an unmatched `)` ends it. */
  token(): string {
    const start = this.pos;
    let depth = 0;
    while (!this.atEnd() && !isSpace(this.peek())) {
      const c = this.peek();
      if (c === "(") depth++;
      else if (c === ")") {
        if (depth === 0) break;
        depth--;
      }
      this.pos++;
    }
    if (depth > 0) this.fail("unbalanced '('", start);
    return this.text.slice(start, this.pos);
  }

  /** `name [OP evr]`, starting at the current position. */
  simpleDep(): Dep {
    const nameAt = this.pos;
    if (this.peek() === "(") this.fail("a rich dependency is not allowed here");
    const name = this.token();
    if (name === "") this.fail(this.atEnd() ? "dependency name expected" : `unexpected '${this.peek()}'`);
    if (!/^[A-Za-z0-9_/]/.test(name)) {
      this.fail("a dependency name must begin with a letter, digit, '_' or '/'", nameAt);
    }
    const glued = outsideParens(name).search(/[<>=]/);
    if (glued >= 0) this.fail("put whitespace around the comparison operator", nameAt + glued);

    const afterName = this.pos;
    this.skipSpace();
    const opAt = this.pos;
    const opText = this.token();
    const op = OPS.get(opText);
    if (op === undefined) {
      const opChars = /^[<>=!]+/.exec(opText)?.[0];
      if (opChars !== undefined) {
        if (opChars !== opText && OPS.has(opChars)) {
          this.fail("put whitespace around the comparison operator", opAt + opChars.length);
        }
        this.fail(`unknown operator '${opChars}'`, opAt);
      }
      this.pos = afterName;
      return { name };
    }
    this.skipSpace();
    const evrAt = this.pos;
    const evrText = this.token();
    if (evrText === "") this.fail(`version expected after '${opText}'`);
    try {
      return { name, op, evr: parseEvr(evrText) };
    } catch (e) {
      if (e instanceof EvrSyntaxError) this.fail(e.message, evrAt);
      throw e;
    }
  }

  /** A simple dependency, or a parenthesised rich one. */
  operand(): DepExpr {
    return this.peek() === "(" ? this.rich() : { kind: "dep", dep: this.simpleDep() };
  }

  /** A parenthesised rich dependency, starting at its `(`. */
  rich(): DepExpr {
    const open = this.pos;
    this.pos++;
    const args: DepExpr[] = [];
    const argAt: number[] = [];
    const ops: RichOp[] = [];
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) this.fail("unterminated '('", open);
      if (this.peek() === ")") {
        const last = ops[ops.length - 1];
        this.fail(last === undefined ? "empty rich dependency" : `missing argument after '${last}'`);
      }
      argAt.push(this.pos);
      args.push(this.operand());
      this.skipSpace();
      if (this.atEnd()) this.fail("unterminated '('", open);
      if (this.peek() === ")") break;

      const opAt = this.pos;
      while (!this.atEnd() && !isSpace(this.peek()) && this.peek() !== ")") this.pos++;
      const word = this.text.slice(opAt, this.pos);
      if (!(RICH_OPS as readonly string[]).includes(word))
        this.fail(`unknown rich dependency operator '${word}'`, opAt);
      const op = word as RichOp;
      const first = ops[0];
      if (op === "else") {
        if (first !== "if" && first !== "unless") this.fail("'else' without 'if' or 'unless'", opAt);
        if (ops.length > 1) this.fail("a second 'else'", opAt);
      } else if (first !== undefined && (op !== first || !CHAINABLE.has(op))) {
        this.fail(
          op === first
            ? `'${op}' cannot be chained; use parentheses`
            : `cannot mix '${first}' and '${op}' without parentheses`,
          opAt,
        );
      }
      ops.push(op);
    }
    this.pos++;

    // The loop above only ends after an argument, so there is at least one.
    const [a, b, c] = args as [DepExpr, ...DepExpr[]];
    const kind = ops[0];
    if (kind === undefined || b === undefined) return a;
    if (kind === "if" || kind === "unless") {
      return { kind, then: a, cond: b, ...(c !== undefined ? { else: c } : {}) };
    }
    if (kind === "with" || kind === "without") {
      // rpm rejects these ("Illegal ops in with/without"): one package must match every argument.
      const bad = args.findIndex((arg) => !onlyOrWith(arg));
      if (bad >= 0)
        this.fail(`'${kind}' arguments may only combine with 'or', 'with' or 'without'`, argAt[bad]);
    }
    return { kind: kind as "and" | "or" | "with" | "without", args };
  }
}

function outsideParens(name: string): string {
  let depth = 0;
  return name.replace(/./gsu, (c) => {
    if (c === "(") depth++;
    else if (c === ")") depth--;
    return depth > 0 || c === ")" ? " " : c;
  });
}

function onlyOrWith(e: DepExpr): boolean {
  if (e.kind === "dep") return true;
  if (e.kind === "or" || e.kind === "with" || e.kind === "without") return e.args.every(onlyOrWith);
  return false;
}

// The common shape, `name` or `name OP evr` with single spaces and a plain name, is matched by one
// regular expression; anything else (and every error) goes through the full parser. What the fast
// path accepts is a subset of what the parser accepts, with the same result.
const SIMPLE = /^([A-Za-z0-9_/](?:[^\s()<>=]|\([^\s()<>=]*\))*)(?: (<=|>=|=|<|>) ([A-Za-z0-9._+~^:-]+))?$/;

function fastDep(text: string): Dep | undefined {
  const m = SIMPLE.exec(text);
  if (!m) return undefined;
  if (m[2] === undefined) return { name: m[1]! };
  try {
    return { name: m[1]!, op: m[2] as DepOp, evr: parseEvr(m[3]!) };
  } catch {
    return undefined; // let the parser report it, with its position
  }
}

function parseWhole(text: string, rich: boolean): DepExpr {
  const fast = fastDep(text);
  if (fast) return { kind: "dep", dep: fast };
  const p = new Parser(text);
  p.skipSpace();
  if (p.atEnd()) p.fail("empty dependency");
  const expr = rich ? p.operand() : { kind: "dep" as const, dep: p.simpleDep() };
  p.skipSpace();
  if (!p.atEnd()) p.fail(`unexpected '${p.text.slice(p.pos).split(/\s/)[0]}'`);
  return expr;
}

/** Parses one simple dependency: `name` or `name OP [epoch:]version[-release]`. */
export function parseDep(text: string): Dep {
  return (parseWhole(text, false) as { dep: Dep }).dep;
}

export function formatDep(dep: Dep): string {
  return dep.op !== undefined && dep.evr !== undefined
    ? `${dep.name} ${dep.op} ${formatEvr(dep.evr)}`
    : dep.name;
}

/**
 * Parses a simple or rich dependency. Structural rules are rpm's; the rules that depend on the kind
 * of dependency (rpmbuild allows `if` only where it means "and" and `unless` only where it means
 * "or", so e.g. a Requires cannot be `(a unless b)`) are not checked.
 */
export function parseDepExpr(text: string): DepExpr {
  return parseWhole(text, true);
}

/** Whether a requirement holds, given which simple dependencies are satisfied. */
export function evaluateDepExpr(expr: DepExpr, isSatisfied: (dep: Dep) => boolean): boolean {
  const ev = (e: DepExpr): boolean => evaluateDepExpr(e, isSatisfied);
  switch (expr.kind) {
    case "dep":
      return isSatisfied(expr.dep);
    // rpm wants one package to satisfy all the arguments of `with`; that is not knowable from here.
    case "and":
    case "with":
      return expr.args.every(ev);
    case "or":
      return expr.args.some(ev);
    case "without": {
      const [first, ...rest] = expr.args;
      return first !== undefined && ev(first) && !rest.some(ev);
    }
    case "if":
      if (ev(expr.cond)) return ev(expr.then);
      return expr.else === undefined || ev(expr.else);
    case "unless":
      if (!ev(expr.cond)) return ev(expr.then);
      return expr.else === undefined || ev(expr.else);
  }
}

/** Every simple dependency in the expression, in textual order. */
export function depExprLeaves(expr: DepExpr): Dep[] {
  switch (expr.kind) {
    case "dep":
      return [expr.dep];
    case "and":
    case "or":
    case "with":
    case "without":
      return expr.args.flatMap(depExprLeaves);
    case "if":
    case "unless":
      return [expr.then, expr.cond, ...(expr.else ? [expr.else] : [])].flatMap(depExprLeaves);
  }
}

const hasLess = (op: DepOp): boolean => op === "<" || op === "<=";
const hasGreater = (op: DepOp): boolean => op === ">" || op === ">=";
const hasEqual = (op: DepOp): boolean => op === "<=" || op === "=" || op === ">=";

/**
 * Whether `provide` satisfies `require`: same name and overlapping version ranges (rpmdsCompare).
 * A side without a version overlaps everything.
 */
export function depSatisfies(provide: Dep, require: Dep): boolean {
  if (provide.name !== require.name) return false;
  const p = provide.op;
  const r = require.op;
  if (p === undefined || r === undefined || provide.evr === undefined || require.evr === undefined)
    return true;
  const sense = compareEvr(provide.evr, require.evr);
  if (sense === 0) {
    // Equal up to a release only one side names: the release-less side is a whole family of EVRs,
    // so if it includes its own bound it includes the other side's EVR.
    const pRel = !!provide.evr.release;
    const rRel = !!require.evr.release;
    if ((pRel && !rRel && hasEqual(r)) || (rRel && !pRel && hasEqual(p))) return true;
    return (hasEqual(p) && hasEqual(r)) || (hasLess(p) && hasLess(r)) || (hasGreater(p) && hasGreater(r));
  }
  if (sense < 0) return hasGreater(p) || hasLess(r);
  return hasLess(p) || hasGreater(r);
}
