// Self-checking lessons: a scenario cell may say what its run must show (a verdict, findings that
// must or must not appear, bounds on metrics). Every simulator's schema gets the same `expect` key,
// and the result of each expectation travels with the run's output.
import type { Verdict } from "../core/verdict";
import { s, type Infer, type ObjectSchema } from "./schema";

export const expectSchema = s.object("What this run must show. Running the cell reports whether each expectation held; `dsnb test` fails when one does not.", {
  verdict: s.field(
    s.enum({
      doc: "The checker's verdict.",
      values: [
        { value: "valid", doc: "Every invariant held." },
        { value: "violated", doc: "At least one invariant was violated." },
        { value: "unknown", doc: "The checker could not decide." },
      ],
    }),
  ),
  findings: s.field(
    s.array({ doc: "Finding codes that must appear (for example stale-entry).", items: s.string({ doc: "A finding code.", minLength: 1 }), default: [] }),
  ),
  absent: s.field(s.array({ doc: "Finding codes that must not appear.", items: s.string({ doc: "A finding code.", minLength: 1 }), default: [] })),
  metrics: s.field(
    s.array({
      doc: "Bounds on the run's metrics.",
      default: [],
      items: s.object("A bound on one metric.", {
        name: s.required(s.string({ doc: "The metric's name, as listed in the output.", minLength: 1 })),
        min: s.field(s.number({ doc: "Smallest value allowed (inclusive)." })),
        max: s.field(s.number({ doc: "Largest value allowed (inclusive)." })),
        equals: s.field(s.number({ doc: "The exact value required." })),
      }),
    }),
  ),
});

export type Expectations = Infer<typeof expectSchema>;

export interface ExpectationResult {
  /** What was expected, in words. */
  readonly expectation: string;
  readonly ok: boolean;
  /** What the run showed instead (or confirms). */
  readonly actual: string;
}

const schemas = new WeakMap<ObjectSchema, ObjectSchema>();

/** A simulator's schema with the common `expect` key added (cached, so identity is stable). */
export function withExpect(schema: ObjectSchema): ObjectSchema {
  let out = schemas.get(schema);
  if (!out) {
    out = s.object(schema.doc, { ...schema.fields, expect: s.field(expectSchema) }, schema.renamed);
    schemas.set(schema, out);
  }
  return out;
}

/** Split the validated options into the simulator's own options and the expectations. */
export function splitExpect<T>(value: T & { expect?: Expectations }): { options: T; expect: Expectations | undefined } {
  const { expect, ...options } = value as Record<string, unknown> & { expect?: Expectations };
  return { options: options as T, expect };
}

function verdictWord(valid: boolean | "unknown"): string {
  return valid === true ? "valid" : valid === false ? "violated" : "unknown";
}

export function evaluateExpectations(
  expect: Expectations,
  out: { readonly verdict: Verdict; readonly metrics: Readonly<Record<string, number>> },
): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  const codes = out.verdict.findings.map((f) => f.code);
  const shown = codes.length ? codes.join(", ") : "no findings";
  if (expect.verdict !== undefined) {
    const actual = verdictWord(out.verdict.valid);
    results.push({ expectation: `verdict is ${expect.verdict}`, ok: actual === expect.verdict, actual: `verdict is ${actual}` });
  }
  for (const code of expect.findings ?? []) results.push({ expectation: `finding ${code} appears`, ok: codes.includes(code), actual: shown });
  for (const code of expect.absent ?? []) results.push({ expectation: `finding ${code} does not appear`, ok: !codes.includes(code), actual: shown });
  for (const m of expect.metrics ?? []) {
    const value = out.metrics[m.name];
    const bounds =
      [m.min !== undefined ? `≥ ${m.min}` : "", m.max !== undefined ? `≤ ${m.max}` : "", m.equals !== undefined ? `= ${m.equals}` : ""]
        .filter(Boolean)
        .join(" and ") || "is reported";
    const expectation = `${m.name} ${bounds}`;
    if (value === undefined) {
      results.push({ expectation, ok: false, actual: `no metric ${m.name} (metrics: ${Object.keys(out.metrics).join(", ") || "none"})` });
      continue;
    }
    const ok = (m.min === undefined || value >= m.min) && (m.max === undefined || value <= m.max) && (m.equals === undefined || value === m.equals);
    results.push({ expectation, ok, actual: `${m.name} = ${value}` });
  }
  return results;
}
