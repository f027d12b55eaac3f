// Checker results: a verdict and findings that explain themselves in plain language.

export type Severity = "error" | "warning" | "info";

/** A YAML value a replayed cell may set. */
export type ReplayValue = string | number | boolean | readonly (string | number)[];

/**
 * The single run behind a finding of an exploration, as an edit of the cell that replays it on its
 * own: the same cell with `remove` taken out, `set` written in, and `seed` (when the run depends on
 * one) as its seed.
 */
export interface Replay {
  readonly seed?: number;
  readonly remove?: readonly string[];
  readonly set?: Readonly<Record<string, ReplayValue>>;
}

export interface Finding {
  readonly severity: Severity;
  /** Short stable identifier, such as "stale-entry" or "G2-item". */
  readonly code: string;
  /** One-line headline. */
  readonly title: string;
  /** Why it happened, in prose a learner can follow, naming the events involved. */
  readonly explanation: string;
  /** Trace sequence numbers of the events that cause the finding (highlighted in diagrams). */
  readonly events?: readonly number[];
  /** For a finding counted over many runs: how to replay the first run that shows it. */
  readonly replay?: Replay;
}

export interface Verdict {
  /** true: every invariant held; false: at least one was violated; "unknown": the checker could not decide. */
  readonly valid: boolean | "unknown";
  /** One sentence that sums up the run. */
  readonly summary: string;
  readonly findings: readonly Finding[];
}

export function verdictFrom(findings: readonly Finding[], okSummary: string, badSummary?: string): Verdict {
  const errors = findings.filter((f) => f.severity === "error");
  return {
    valid: errors.length === 0,
    summary: errors.length === 0 ? okSummary : (badSummary ?? `${errors.length} problem${errors.length === 1 ? "" : "s"} found.`),
    findings,
  };
}
