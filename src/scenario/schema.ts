// One schema per simulator drives everything a scenario cell needs: validation with exact source
// ranges, completions, hover text, snippets and the generated reference in docs/. Small on
// purpose: every node has a doc string, and objects list their fields, so a schema reads like the
// documentation it produces.

export interface NumberSchema {
  readonly kind: "number";
  readonly doc: string;
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly default?: number;
  /** Unit shown in docs and hovers, such as "ms". */
  readonly unit?: string;
}

export interface StringSchema {
  readonly kind: "string";
  readonly doc: string;
  readonly default?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  /**
   * A further check of the text, such as parsing a statement in it. A problem names the offsets
   * within the text it is about, so the diagnostic lands on the exact words in the cell.
   */
  readonly check?: (text: string) => { readonly message: string; readonly start: number; readonly end: number } | undefined;
}

export interface BooleanSchema {
  readonly kind: "boolean";
  readonly doc: string;
  readonly default?: boolean;
}

export interface EnumValue<V extends string = string> {
  readonly value: V;
  readonly doc: string;
}

export interface EnumSchema<V extends string = string> {
  readonly kind: "enum";
  readonly doc: string;
  readonly values: readonly EnumValue<V>[];
  readonly default?: V;
}

/** A name that must be defined elsewhere in the same cell (a transaction, a service, an actor). */
export interface RefSchema {
  readonly kind: "ref";
  readonly doc: string;
  /** What kind of name this is, for messages ("actor", "transaction"). */
  readonly what: string;
  /** The names defined in the (partially valid) cell value. */
  readonly names: (root: unknown) => readonly string[];
  readonly default?: string;
}

export interface ArraySchema<I extends Schema = Schema> {
  readonly kind: "array";
  readonly doc: string;
  readonly items: I;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly default?: readonly unknown[];
}

/** One of several forms, tried in order: a count, a word such as `all`, or a list (`explore:`). */
export interface UnionSchema<O extends readonly Schema[] = readonly Schema[]> {
  readonly kind: "union";
  readonly doc: string;
  readonly options: O;
  readonly default?: unknown;
}

/** Whether a cell (its options, defaults applied) offers a knob: yes, no, these choices only, or (a number) this range only. */
export type KnobWhen = (options: Readonly<Record<string, unknown>>) => boolean | readonly string[] | { readonly min?: number; readonly max?: number };

export interface Field<S extends Schema = Schema> {
  readonly schema: S;
  /** A required field has no default and must be written. */
  readonly required?: boolean;
  /**
   * A knob: the output shows it as a control above the result (a choice, a number in its range, a
   * switch), and changing it rewrites the cell and runs it again. Top-level scalar options only. A
   * function decides per cell, from its options (defaults applied): false where the knob would do
   * nothing or only break the cell, or for a choice, the values that make sense in that cell.
   */
  readonly knob?: boolean | KnobWhen;
}

/**
 * A key's old spelling. A cell that still uses it gets an error with a quick fix that rewrites it,
 * never silent acceptance: `to` is the key it became; `values` maps old scalar values to new ones
 * (`explore: true` became `explore: all`). When `to` is already written, the old key's value moves
 * into it (`interleavings: 200` next to `explore:` becomes `explore: 200`).
 */
export interface Renamed {
  readonly to: string;
  readonly values?: Readonly<Record<string, string>>;
}

export interface ObjectSchema<F extends Record<string, Field> = Record<string, Field>> {
  readonly kind: "object";
  readonly doc: string;
  readonly fields: F;
  /** Old spellings of keys (and of some of their values), each rewritten by a quick fix. */
  readonly renamed?: Readonly<Record<string, Renamed>>;
}

export type Schema = NumberSchema | StringSchema | BooleanSchema | EnumSchema | RefSchema | ArraySchema | ObjectSchema | UnionSchema;

/** The TypeScript type of a value that passed validation against S (defaults applied). */
export type Infer<S> = S extends NumberSchema
  ? number
  : S extends StringSchema
    ? string
    : S extends BooleanSchema
      ? boolean
      : S extends EnumSchema<infer V>
        ? V
        : S extends RefSchema
          ? string
          : S extends ArraySchema<infer I>
            ? Infer<I>[]
            : S extends ObjectSchema<infer F>
              ? InferFields<F>
              : S extends UnionSchema<infer O>
                ? Infer<O[number]>
                : never;

type HasDefault<S> = S extends { default: unknown } ? true : false;
type RequiredKeys<F extends Record<string, Field>> = {
  [K in keyof F]: F[K] extends { required: true } ? K : HasDefault<F[K]["schema"]> extends true ? K : F[K]["schema"] extends ObjectSchema ? K : never;
}[keyof F];
type InferFields<F extends Record<string, Field>> = { -readonly [K in RequiredKeys<F>]: Infer<F[K]["schema"]> } & {
  -readonly [K in Exclude<keyof F, RequiredKeys<F>>]?: Infer<F[K]["schema"]>;
};

/** Builders that keep literal types, so Infer sees enum values and defaults. */
export const s = {
  number: <const O extends Omit<NumberSchema, "kind">>(o: O): O & { kind: "number" } => ({ kind: "number", ...o }),
  integer: <const O extends Omit<NumberSchema, "kind" | "integer">>(o: O): O & { kind: "number"; integer: true } => ({ kind: "number", integer: true, ...o }),
  string: <const O extends Omit<StringSchema, "kind">>(o: O): O & { kind: "string" } => ({ kind: "string", ...o }),
  boolean: <const O extends Omit<BooleanSchema, "kind">>(o: O): O & { kind: "boolean" } => ({ kind: "boolean", ...o }),
  enum: <const V extends string, const O extends Omit<EnumSchema<V>, "kind">>(o: O & { values: readonly EnumValue<V>[] }): O & { kind: "enum" } => ({
    kind: "enum",
    ...o,
  }),
  ref: <const O extends Omit<RefSchema, "kind">>(o: O): O & { kind: "ref" } => ({ kind: "ref", ...o }),
  array: <const I extends Schema, const O extends Omit<ArraySchema<I>, "kind">>(o: O & { items: I }): O & { kind: "array" } => ({ kind: "array", ...o }),
  object: <const F extends Record<string, Field>>(doc: string, fields: F, renamed?: Readonly<Record<string, Renamed>>): ObjectSchema<F> => ({
    kind: "object",
    doc,
    fields,
    ...(renamed ? { renamed } : {}),
  }),
  union: <const Os extends readonly Schema[], const O extends Omit<UnionSchema<Os>, "kind">>(o: O & { options: Os }): O & { kind: "union" } => ({
    kind: "union",
    ...o,
  }),
  field: <const S extends Schema>(schema: S): { schema: S } => ({ schema }),
  /** A field the learner can turn from the output (see Field.knob), in every cell or in the cells `when` accepts. */
  knob: <const S extends Schema>(schema: S, when?: KnobWhen): { schema: S; knob: true | KnobWhen } => ({ schema, knob: when ?? true }),
  required: <const S extends Schema>(schema: S): { schema: S; required: true } => ({ schema, required: true }),
};

/**
 * The names a ref may take. `names` reads the raw, not yet validated cell, so whatever shape the
 * user typed, a failure here means "no names yet", never a crash.
 */
export function refNames(schema: RefSchema, root: unknown): string[] {
  try {
    const names = schema.names(root);
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
  } catch {
    return [];
  }
}

/** A short human name for a schema's type, used in messages and docs. */
export function typeName(schema: Schema): string {
  switch (schema.kind) {
    case "number":
      return schema.integer ? "integer" : "number";
    case "string":
      return "string";
    case "boolean":
      return "true or false";
    case "enum":
      return schema.values.map((v) => v.value).join(" | ");
    case "ref":
      return `${schema.what} name`;
    case "array":
      return `list of ${typeName(schema.items)}`;
    case "object":
      return "mapping";
    case "union":
      return schema.options.map(typeName).join(" or ");
  }
}

/** The schema at a path of keys and list indexes, if the path exists in the schema. */
export function schemaAt(root: Schema, path: readonly (string | number)[]): Schema | undefined {
  let node: Schema | undefined = root;
  for (const part of path) {
    if (!node) return undefined;
    if (node.kind === "array") node = node.items;
    else if (node.kind === "object" && typeof part === "string") node = node.fields[part]?.schema;
    else return undefined;
  }
  return node;
}
