// The knobs of a cell: the options its simulator's schema marks as knobs, with what they may be and
// the value this run used, and the lesson's value where the cell no longer has it.
import type { Knob } from "../protocol/output";
import type { ObjectSchema, Schema } from "../scenario/schema";

type Scalar = string | number | boolean;

function shape(schema: Schema): Pick<Knob, "kind" | "choices" | "min" | "max" | "integer" | "unit"> | undefined {
  if (schema.kind === "enum") return { kind: "choice", choices: schema.values.map((v) => v.value) };
  if (schema.kind === "boolean") return { kind: "switch" };
  if (schema.kind === "number")
    return {
      kind: "number",
      ...(schema.min !== undefined ? { min: schema.min } : {}),
      ...(schema.max !== undefined ? { max: schema.max } : {}),
      ...(schema.integer ? { integer: true } : {}),
      ...(schema.unit ? { unit: schema.unit } : {}),
    };
  return undefined;
}

/** A number knob whose cell allows only part of its range (R and W up to this cell's N, say). */
function narrowed<K extends ReturnType<typeof shape> & object>(shaped: K, on: unknown): K {
  if (shaped.kind !== "number" || typeof on !== "object" || on === null || Array.isArray(on)) return shaped;
  const range = on as { readonly min?: number; readonly max?: number };
  return {
    ...shaped,
    ...(range.min !== undefined ? { min: Math.max(range.min, shaped.min ?? range.min) } : {}),
    ...(range.max !== undefined ? { max: Math.min(range.max, shaped.max ?? range.max) } : {}),
  };
}

const isScalar = (v: unknown): v is Scalar => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** Knobs for a run whose options (defaults applied) are `values`; `lesson` holds the lesson's, when known. */
export function knobsOf(schema: ObjectSchema, values: Readonly<Record<string, unknown>>, lesson?: Readonly<Record<string, unknown>>): Knob[] {
  const knobs: Knob[] = [];
  for (const [key, field] of Object.entries(schema.fields)) {
    const on = typeof field.knob === "function" ? field.knob(values) : field.knob === true;
    const shaped = on ? shape(field.schema) : undefined;
    const value = values[key];
    if (!shaped || !isScalar(value)) continue;
    // A cell that offers only some choices still shows its own value among them.
    const form =
      Array.isArray(on) && shaped.choices ? { ...shaped, choices: shaped.choices.filter((c) => on.includes(c) || c === value) } : narrowed(shaped, on);
    const then = lesson?.[key];
    knobs.push({ key, doc: field.schema.doc, ...form, value, ...(lesson && isScalar(then) && then !== value ? { lessonValue: then } : {}) });
  }
  return knobs;
}
