// Problems found in a scenario cell, with the exact range they are about.
import type { SourceRange } from "../core/errors";

export type DiagnosticSeverity = "error" | "warning";

export interface ScenarioDiagnostic {
  readonly message: string;
  readonly range: SourceRange;
  readonly severity: DiagnosticSeverity;
  /** Stable code, such as "unknown-key" or "yaml-syntax". */
  readonly code: string;
  /** Replacement text for the range that would fix the problem ("did you mean"). */
  readonly fix?: string;
}

/** Edit distance between two short strings (Levenshtein), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit || (best !== undefined && best.toLowerCase().startsWith(lower) && lower.length >= 2) ? best : undefined;
}
