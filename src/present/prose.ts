// Small helpers for the prose and numbers learners read: percentages, rounding, counted nouns and
// lists, written once so every simulator says them the same way.

/** A fraction as a percentage: percent(0.1234) is "12.3%", percent(0.1234, 2) is "12.34%". */
export function percent(fraction: number, digits = 1): string {
  return `${(100 * fraction).toFixed(digits)}%`;
}

/** `part` of `whole` as a percentage; "0%" when there is nothing to divide. */
export function share(part: number, whole: number, digits = 1): string {
  return whole === 0 ? "0%" : percent(part / whole, digits);
}

/** Rounds to `digits` decimals, for numbers shown in tables, charts and metrics. */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The noun for a count: noun(1, "run") is "run", noun(3, "run") is "runs", noun(2, "entry", "entries") is "entries". */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** A count with its noun: count(1, "run") is "1 run", count(3, "run") is "3 runs". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${noun(n, one, many)}`;
}

/** "a", "a and b", "a, b and c". */
export function list(items: readonly string[], conjunction = "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

/** A duration for prose: "250 ms" below 10 seconds, then "12.5 s", then "3.2 min". */
export function duration(ms: number): string {
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  if (ms < 600_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

/** The sentence with its first letter in capitals. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
