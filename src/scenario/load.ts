// Reads a scenario cell: YAML (as data, never code) parsed with source positions, then checked
// against the simulator's schema. Errors carry the exact range in the cell.
import { parseDocument, type Document } from "yaml";
import type { ScenarioDiagnostic } from "./diagnostics";
import type { Schema } from "./schema";
import { validate } from "./validate";

export interface LoadResult<T> {
  readonly value: T | undefined;
  readonly diagnostics: readonly ScenarioDiagnostic[];
  /** The YAML document, for language features; absent only when the text could not be tokenised. */
  readonly document: Document.Parsed;
}

/** Parse YAML safely: core schema only (no custom tags), aliases bounded, duplicate keys reported. */
export function parseYaml(text: string): Document.Parsed {
  return parseDocument(text, {
    schema: "core",
    prettyErrors: false,
    uniqueKeys: false, // the validator reports duplicates with a better message
    strict: true,
  });
}

export function loadScenario<T>(text: string, schema: Schema): LoadResult<T> {
  const document = parseYaml(text);
  const syntax: ScenarioDiagnostic[] = [];
  for (const e of [...document.errors, ...document.warnings]) {
    const [start, end] = e.pos;
    syntax.push({
      message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, ""),
      range: { start, end: Math.max(end, start + 1) },
      severity: document.errors.includes(e as never) ? "error" : "warning",
      code: "yaml-syntax",
    });
  }
  if (syntax.some((d) => d.severity === "error")) return { value: undefined, diagnostics: syntax, document };
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 50 });
  } catch (err) {
    return {
      value: undefined,
      diagnostics: [...syntax, { message: (err as Error).message, range: { start: 0, end: Math.max(1, text.length) }, severity: "error", code: "yaml-syntax" }],
      document,
    };
  }
  const result = validate<T>(schema, document.contents as never, { start: 0, end: Math.max(1, text.length) }, raw, text);
  return { value: result.value, diagnostics: [...syntax, ...result.diagnostics], document };
}
