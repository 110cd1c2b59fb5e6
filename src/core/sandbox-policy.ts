// Who decides whether a build runs in the sandbox (docs/SECURITY.md): the operator's policy (kiln
// serve --sandbox, kiln agent --sandbox, kiln build --sandbox) is an upper bound that a set's
// kiln.yaml can only tighten, never loosen. Pure.

export const SANDBOX_MODES = ["off", "auto", "required"] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

export function isSandboxMode(v: unknown): v is SandboxMode {
  return (SANDBOX_MODES as readonly unknown[]).includes(v);
}

const RANK: Record<SandboxMode, number> = { off: 0, auto: 1, required: 2 };

export function stricter(a: SandboxMode, b: SandboxMode | undefined): SandboxMode {
  return b !== undefined && RANK[b] > RANK[a] ? b : a;
}

/** A policy's default where none is given: required where the sandbox works, else auto (said loudly). */
export function defaultPolicy(available: boolean): SandboxMode {
  return available ? "required" : "auto";
}

/** The mode a job runs in: the operator's policy, tightened by what the set asks for. */
export function jobMode(policy: SandboxMode, setMode: SandboxMode | undefined): SandboxMode {
  return stricter(policy, setMode);
}

export type SandboxDecision =
  | { run: "sandboxed" }
  /** Runs without the sandbox; `note` says why, in words, for the build's log and page. */
  | { run: "unsandboxed"; note: string }
  | { refuse: string };

/**
 * What an agent (or a local build) does with a job that asks for `mode`, under its own `policy`,
 * where the sandbox works (`available`) or not (`reason`). A job that asks for no sandbox at all is
 * refused by an agent whose policy wants one: it asks for less than the agent allows.
 */
export function decide(
  mode: SandboxMode,
  policy: SandboxMode,
  available: boolean,
  reason = "bubblewrap does not work here",
): SandboxDecision {
  if (mode === "off" && policy !== "off")
    return { refuse: `the job asks for no sandbox, but this agent's policy is --sandbox ${policy}` };
  const effective = stricter(mode, policy);
  if (effective === "off") return { run: "unsandboxed", note: "no sandbox: the sandbox is off by policy" };
  if (available) return { run: "sandboxed" };
  if (effective === "required") return { refuse: `the sandbox is required, but ${reason}` };
  return { run: "unsandboxed", note: `no sandbox: ${reason} (sandbox mode auto)` };
}
