// Problems found in a scenario cell, with the exact range they are about.

export type { DiagnosticEdit, DiagnosticSeverity, ScenarioDiagnostic } from "../core/errors";

/**
 * Edit distance between two short strings for "did you mean" suggestions: optimal string alignment
 * (restricted Damerau-Levenshtein). Inserting, dropping or changing a letter costs one, and so does
 * swapping two adjacent letters, the commonest typo ("rign" is one edit from "ring", not two).
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic programme: i-2, i-1 and i.
  let older: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, older[j - 2]! + 1);
      row.push(d);
    }
    older = prev;
    prev = row;
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
