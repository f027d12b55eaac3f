// Checks a parsed YAML tree against a schema, producing the typed value (defaults applied) and
// diagnostics that point at the exact key or value in the cell.
import { isMap, isScalar, isSeq, isPair, isAlias, type Node, type Pair, type YAMLMap } from "yaml";
import type { SourceRange } from "../core/errors";
import { closest, type ScenarioDiagnostic } from "./diagnostics";
import { refNames, typeName, type ArraySchema, type ObjectSchema, type RefSchema, type Renamed, type Schema, type UnionSchema } from "./schema";

interface PendingRef {
  readonly schema: RefSchema;
  readonly value: string;
  readonly range: SourceRange;
}

interface Ctx {
  readonly diagnostics: ScenarioDiagnostic[];
  readonly refs: PendingRef[];
  /** The cell's text, for fixes that move text around. */
  readonly text: string;
}

export interface ValidationResult<T> {
  /** The value with defaults applied; undefined when any error was found. */
  readonly value: T | undefined;
  readonly diagnostics: readonly ScenarioDiagnostic[];
}

function rangeOf(node: Node | null | undefined, fallback: SourceRange): SourceRange {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : fallback;
}

function error(ctx: Ctx, message: string, range: SourceRange, code: string, fix?: string): undefined {
  ctx.diagnostics.push({ message, range, severity: "error", code, ...(fix !== undefined ? { fix } : {}) });
  return undefined;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string") return `"${value}"`;
  return String(value);
}

/** The range of [start, end) of a scalar's text in the cell: exact for plain and simply quoted scalars. */
function withinScalar(node: Node | null | undefined, text: string, at: { start: number; end: number }, whole: SourceRange): SourceRange {
  if (!isScalar(node)) return whole;
  const length = whole.end - whole.start;
  const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
  // Only when the source is the text itself (no escapes, no folded lines) do offsets carry over.
  const offset = node.type === "PLAIN" && length === text.length ? 0 : quoted && length === text.length + 2 ? 1 : -1;
  if (offset < 0) return whole;
  const start = whole.start + offset + Math.min(at.start, text.length);
  return { start, end: Math.max(start + 1, whole.start + offset + Math.min(at.end, text.length)) };
}

/** Apply defaults for an absent value; undefined when there is none. */
export function defaultValue(schema: Schema): unknown {
  if (schema.kind === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.fields)) {
      if (field.required) return undefined;
      const v = defaultValue(field.schema);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (schema.kind === "array") return schema.default ? [...schema.default] : undefined;
  return schema.default;
}

function validateNode(schema: Schema, node: Node | null | undefined, ctx: Ctx, range: SourceRange): unknown {
  if (node && isAlias(node)) return error(ctx, "YAML aliases are not supported in scenario cells.", range, "alias");
  switch (schema.kind) {
    case "object":
      return validateObject(schema, node, ctx, range);
    case "array":
      return validateArray(schema, node, ctx, range);
    case "union":
      return validateUnion(schema, node, ctx, range);
    default:
      return validateScalar(schema, node, ctx, range);
  }
}

/** The first form the value fits; when it fits none, one error naming every form. */
function validateUnion(schema: UnionSchema, node: Node | null | undefined, ctx: Ctx, range: SourceRange): unknown {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
    if (schema.default !== undefined) return schema.default;
    return error(ctx, `Expected ${typeName(schema)}: ${schema.doc}`, range, "type");
  }
  let closeCall: ScenarioDiagnostic | undefined;
  for (const option of schema.options) {
    const trial: Ctx = { diagnostics: [], refs: [], text: ctx.text };
    const value = validateNode(option, node, trial, range);
    if (trial.diagnostics.length === 0) {
      ctx.refs.push(...trial.refs);
      return value;
    }
    // A value of the right shape but out of range says more than "expected one of".
    if (trial.diagnostics.some((d) => d.code === "range" || d.fix !== undefined)) closeCall ??= trial.diagnostics[0];
  }
  if (closeCall) return void ctx.diagnostics.push(closeCall);
  const shown = isScalar(node) ? describe(node.value) : isSeq(node) ? "a list" : "a mapping";
  return error(ctx, `Expected ${typeName(schema)}, got ${shown}.`, rangeOf(node, range), "type");
}

function validateObject(schema: ObjectSchema, node: Node | null | undefined, ctx: Ctx, range: SourceRange): unknown {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
    const missing = Object.entries(schema.fields)
      .filter(([, f]) => f.required)
      .map(([k]) => k);
    if (missing.length) return error(ctx, `Missing required key${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}.`, range, "missing-key");
    return defaultValue(schema);
  }
  if (!isMap(node))
    return error(
      ctx,
      `Expected a mapping of keys (${Object.keys(schema.fields).join(", ")}), got ${describe(isScalar(node) ? node.value : "a list")}.`,
      range,
      "type",
    );
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  let ok = true;
  for (const item of node.items as Pair[]) {
    if (!isPair(item)) continue;
    const keyNode = item.key as Node | null;
    const keyRange = rangeOf(keyNode, range);
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined) {
      ok = false;
      error(ctx, "Keys must be plain words.", keyRange, "key-type");
      continue;
    }
    const field = schema.fields[key];
    const renamed = schema.renamed?.[key];
    if (renamed && oldSpelling(ctx, node, item, key, renamed)) {
      ok = false;
      continue;
    }
    if (!field) {
      ok = false;
      const suggestion = closest(
        key,
        Object.keys(schema.fields).filter((k) => !seen.has(k)),
      );
      error(
        ctx,
        `Unknown key "${key}".${suggestion ? ` Did you mean "${suggestion}"?` : ` Known keys: ${Object.keys(schema.fields).join(", ")}.`}`,
        keyRange,
        "unknown-key",
        suggestion,
      );
      continue;
    }
    if (seen.has(key)) {
      ok = false;
      error(ctx, `Key "${key}" is given twice.`, keyRange, "duplicate-key");
      continue;
    }
    seen.add(key);
    const valueNode = item.value as Node | null;
    const before = ctx.diagnostics.length;
    const v = validateNode(field.schema, valueNode, ctx, valueNode ? rangeOf(valueNode, keyRange) : keyRange);
    if (ctx.diagnostics.length > before) ok = false;
    if (v !== undefined) out[key] = v;
  }
  for (const [key, field] of Object.entries(schema.fields)) {
    if (seen.has(key)) continue;
    if (field.required) {
      ok = false;
      error(ctx, `Missing required key "${key}": ${field.schema.doc}`, rangeOf(node, range), "missing-key");
      continue;
    }
    const d = defaultValue(field.schema);
    if (d !== undefined) out[key] = d;
  }
  return ok ? out : undefined;
}

function keyOf(p: Pair): string | undefined {
  return isScalar(p.key) ? String(p.key.value) : undefined;
}

/** From the start of `range`'s line to the start of the next line: the whole of a one-line pair. */
function lineOf(text: string, range: SourceRange): SourceRange {
  const start = text.lastIndexOf("\n", range.start - 1) + 1;
  const next = text.indexOf("\n", range.end);
  return { start, end: next < 0 ? text.length : next + 1 };
}

/**
 * A key (or a value of it) written in an old spelling: an error whose fix rewrites it. Returns false
 * when the key is current and its value is not an old one.
 */
function oldSpelling(ctx: Ctx, map: YAMLMap, item: Pair, key: string, r: Renamed): boolean {
  const keyRange = rangeOf(item.key as Node, { start: 0, end: 0 });
  const valueNode = item.value as Node | null;
  const valueRange = valueNode ? rangeOf(valueNode, keyRange) : undefined;
  const valueText = valueRange ? ctx.text.slice(valueRange.start, valueRange.end) : "";
  const newValue = isScalar(valueNode) ? r.values?.[String(valueNode.value)] : undefined;
  if (r.to === key) {
    if (newValue === undefined || !valueRange) return false;
    ctx.diagnostics.push({
      message: `"${key}: ${valueText}" is now written "${key}: ${newValue}".`,
      range: valueRange,
      severity: "error",
      code: "old-spelling",
      fix: newValue,
    });
    return true;
  }
  const target = (map.items as Pair[]).find((p) => isPair(p) && keyOf(p) === r.to);
  const targetValue = target?.value as Node | null | undefined;
  if (target && targetValue && valueRange) {
    const edits = [
      { range: rangeOf(targetValue, keyRange), text: newValue ?? valueText },
      { range: lineOf(ctx.text, { start: keyRange.start, end: valueRange.end }), text: "" },
    ];
    ctx.diagnostics.push({
      message: `"${key}" is now part of "${r.to}": write "${r.to}: ${newValue ?? valueText}" instead.`,
      range: keyRange,
      severity: "error",
      code: "old-spelling",
      edits,
      editsTitle: `Rewrite as "${r.to}: ${newValue ?? valueText}"`,
    });
    return true;
  }
  const edits = [{ range: keyRange, text: r.to }, ...(newValue !== undefined && valueRange ? [{ range: valueRange, text: newValue }] : [])];
  ctx.diagnostics.push({
    message: `"${key}" is now called "${r.to}"${newValue !== undefined ? `, and "${valueText}" is written "${newValue}"` : ""}.`,
    range: keyRange,
    severity: "error",
    code: "old-spelling",
    edits,
    editsTitle: `Rewrite as "${r.to}: ${newValue ?? valueText}"`,
  });
  return true;
}

function validateArray(schema: ArraySchema, node: Node | null | undefined, ctx: Ctx, range: SourceRange): unknown {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
    if (schema.minItems) return error(ctx, `Expected a list of at least ${schema.minItems} ${typeName(schema.items)}.`, range, "type");
    return defaultValue(schema) ?? [];
  }
  if (!isSeq(node)) return error(ctx, `Expected a list of ${typeName(schema.items)}.`, range, "type");
  const items = node.items as (Node | null)[];
  if (schema.minItems !== undefined && items.length < schema.minItems)
    error(ctx, `Expected at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"}, got ${items.length}.`, rangeOf(node, range), "range");
  if (schema.maxItems !== undefined && items.length > schema.maxItems)
    error(ctx, `Expected at most ${schema.maxItems} items, got ${items.length}.`, rangeOf(node, range), "range");
  const before = ctx.diagnostics.length;
  const out = items.map((item) => validateNode(schema.items, item, ctx, rangeOf(item, rangeOf(node, range))));
  return ctx.diagnostics.length > before ? undefined : out;
}

function validateScalar(
  schema: Exclude<Schema, ObjectSchema | ArraySchema | UnionSchema>,
  node: Node | null | undefined,
  ctx: Ctx,
  range: SourceRange,
): unknown {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
    if (schema.default !== undefined) return schema.default;
    return error(ctx, `Expected ${typeName(schema)}: ${schema.doc}`, range, "type");
  }
  if (!isScalar(node)) return error(ctx, `Expected ${typeName(schema)}, got a ${isSeq(node) ? "list" : "mapping"}.`, range, "type");
  const value = node.value;
  const r = rangeOf(node, range);
  switch (schema.kind) {
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return error(ctx, `Expected a ${typeName(schema)}, got ${describe(value)}.`, r, "type");
      if (schema.integer && !Number.isInteger(value)) return error(ctx, `Expected a whole number, got ${value}.`, r, "type");
      const unit = schema.unit ? ` ${schema.unit}` : "";
      if (schema.min !== undefined && value < schema.min) return error(ctx, `Must be at least ${schema.min}${unit}, got ${value}.`, r, "range");
      if (schema.max !== undefined && value > schema.max) return error(ctx, `Must be at most ${schema.max}${unit}, got ${value}.`, r, "range");
      return value;
    }
    case "boolean":
      if (typeof value !== "boolean") return error(ctx, `Expected true or false, got ${describe(value)}.`, r, "type");
      return value;
    case "string": {
      if (typeof value !== "string" && typeof value !== "number") return error(ctx, `Expected text, got ${describe(value)}.`, r, "type");
      const text = String(value);
      if (schema.minLength !== undefined && text.length < schema.minLength)
        return error(ctx, `Must be at least ${schema.minLength} characters long.`, r, "range");
      if (schema.maxLength !== undefined && text.length > schema.maxLength)
        return error(ctx, `Must be at most ${schema.maxLength} characters long.`, r, "range");
      const problem = schema.check?.(text);
      if (problem) return error(ctx, problem.message, withinScalar(node, text, problem, r), "invalid");
      return text;
    }
    case "enum": {
      const text = String(value);
      const allowed = schema.values.map((v) => v.value);
      if (allowed.includes(text)) return text;
      const suggestion = closest(text, allowed);
      return error(
        ctx,
        `Unknown value ${describe(value)}.${suggestion ? ` Did you mean "${suggestion}"?` : ""} Expected one of: ${allowed.join(", ")}.`,
        r,
        "unknown-value",
        suggestion,
      );
    }
    case "ref": {
      const text = String(value);
      ctx.refs.push({ schema, value: text, range: r });
      return text;
    }
  }
}

/** Validate a YAML document's contents against a schema. */
export function validate<T>(schema: Schema, contents: Node | null | undefined, whole: SourceRange, raw: unknown, text = ""): ValidationResult<T> {
  const ctx: Ctx = { diagnostics: [], refs: [], text };
  const value = validateNode(schema, contents, ctx, whole);
  // Names can only be checked once the whole cell is read, since they may be defined further down.
  for (const ref of ctx.refs) {
    const names = refNames(ref.schema, raw);
    if (names.includes(ref.value)) continue;
    const suggestion = closest(ref.value, names);
    error(
      ctx,
      `Unknown ${ref.schema.what} "${ref.value}".${suggestion ? ` Did you mean "${suggestion}"?` : ""}${names.length ? ` Defined: ${names.join(", ")}.` : ""}`,
      ref.range,
      "unknown-name",
      suggestion,
    );
  }
  return { value: ctx.diagnostics.length ? undefined : (value as T), diagnostics: ctx.diagnostics };
}
