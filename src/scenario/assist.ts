// Completions and hovers for scenario cells, driven only by the simulator's schema, so every
// simulator gets them without language code of its own. The YAML being typed is usually invalid,
// so the position is read from indentation, the way a person reads it.
import { defaultValue } from "./validate";
import { parseYaml } from "./load";
import { refNames, schemaAt, typeName, type ObjectSchema, type Schema } from "./schema";

export interface CompletionItem {
  readonly label: string;
  readonly kind: "key" | "value";
  readonly insertText: string;
  /** Where the cursor goes in insertText after inserting it (default: at its end). */
  readonly cursor?: number;
  /** What the editor filters on when it is not the label (see valueItems). */
  readonly filterText?: string;
  /** Open suggestions again after inserting this item: the value it introduces has choices. */
  readonly retrigger?: boolean;
  /** Type and default, one line. */
  readonly detail: string;
  /** Markdown documentation. */
  readonly documentation: string;
}

export interface Completions {
  readonly items: readonly CompletionItem[];
  /** Offsets of the word being completed. */
  readonly replace: { readonly start: number; readonly end: number };
}

export interface Hover {
  readonly markdown: string;
  readonly range: { readonly start: number; readonly end: number };
}

interface LineShape {
  readonly indent: number; // column of the first non-space character
  readonly dash: boolean; // starts with "- "
  readonly keyCol: number; // column after any "- " prefixes
  readonly key?: string; // "key:" at keyCol
  readonly hasValue: boolean; // something after "key:"
  readonly blank: boolean;
}

const KEY_RE = /^([A-Za-z_][\w-]*)\s*:(?:\s|$)/;

function shape(text: string): LineShape {
  const indent = text.length - text.trimStart().length;
  let keyCol = indent;
  let dash = false;
  while (/^-(\s|$)/.test(text.slice(keyCol))) {
    dash = true;
    keyCol += 1;
    while (text[keyCol] === " ") keyCol++;
  }
  const rest = text.slice(keyCol);
  const m = KEY_RE.exec(rest);
  const blank = text.trim() === "" || text.trimStart().startsWith("#");
  if (!m) return { indent, dash, keyCol, hasValue: rest.trim() !== "", blank };
  const after = rest.slice(m[0].length).replace(/#.*$/, "").trim();
  return { indent, dash, keyCol, key: m[1]!, hasValue: after !== "", blank };
}

/** The schema path of the mapping (or list) that line `row` belongs to, read from indentation. */
export function containerPath(lines: readonly string[], row: number): (string | number)[] {
  const path: (string | number)[] = [];
  let cur = shape(lines[row] ?? "");
  let inItem = cur.dash; // the current line is (or starts) a list item
  let limit = inItem ? cur.indent : cur.keyCol;
  if (inItem) path.unshift(0);
  for (let r = row - 1; r >= 0; r--) {
    const l = shape(lines[r]!);
    if (l.blank) continue;
    if (inItem) {
      if (l.dash && l.indent === limit) continue; // a sibling item
      if (l.key && !l.hasValue && l.keyCol <= limit) {
        path.unshift(l.key);
        cur = l;
      } else if (l.keyCol < limit || (l.indent < limit && !l.dash)) break;
      else continue;
    } else {
      if (l.keyCol === limit && !l.dash) continue; // a sibling key
      if (l.dash && l.keyCol === limit) {
        path.unshift(0); // our mapping is a list item that starts on this line
        inItem = true;
        limit = l.indent;
        continue;
      }
      if (l.keyCol < limit && l.key && !l.hasValue) {
        path.unshift(l.key);
        cur = l;
      } else if (l.keyCol < limit) break;
      else continue;
    }
    inItem = cur.dash;
    limit = inItem ? cur.indent : cur.keyCol;
    if (inItem) path.unshift(0);
  }
  return path;
}

function lineAt(text: string, offset: number): { lines: string[]; row: number; col: number; lineStart: number } {
  const lines = text.split(/\r\n|\r|\n/);
  let start = 0;
  for (let row = 0; row < lines.length; row++) {
    const len = lines[row]!.length;
    const next = start + len + (text.startsWith("\r\n", start + len) ? 2 : 1);
    if (offset <= start + len || row === lines.length - 1) return { lines, row, col: Math.min(offset - start, len), lineStart: start };
    start = next;
  }
  return { lines, row: 0, col: 0, lineStart: 0 };
}

function partialValue(text: string): unknown {
  try {
    return parseYaml(text).toJS({ maxAliasCount: 50 });
  } catch {
    return undefined;
  }
}

function describeDefault(schema: Schema): string {
  const d = defaultValue(schema);
  if (d === undefined || schema.kind === "object") return "";
  return `, default ${JSON.stringify(d)}`;
}

export function fieldDoc(key: string, schema: Schema, required = false): string {
  const unit = schema.kind === "number" && schema.unit ? ` (${schema.unit})` : "";
  const bounds = schema.kind === "number" && (schema.min !== undefined || schema.max !== undefined) ? `, ${schema.min ?? "…"} to ${schema.max ?? "…"}` : "";
  let doc = `**${key}**: ${typeName(schema)}${unit}${required ? ", required" : describeDefault(schema)}${bounds}\n\n${schema.doc}`;
  const words = schema.kind === "enum" ? [schema] : schema.kind === "union" ? schema.options.filter((o) => o.kind === "enum") : [];
  const listed = words.flatMap((e) => e.values.map((v) => `- \`${v.value}\`: ${v.doc}`));
  if (listed.length) doc += "\n\n" + listed.join("\n");
  return doc;
}

/** Whether a value has a fixed set of choices, worth listing as soon as its key is written. */
function hasChoices(schema: Schema): boolean {
  if (schema.kind === "union") return schema.options.some((o) => o.kind !== "array" && hasChoices(o));
  const target = schema.kind === "array" ? schema.items : schema;
  return target.kind === "enum" || target.kind === "boolean" || target.kind === "ref";
}

function choiceItems(schema: Schema, root: unknown): CompletionItem[] {
  if (schema.kind === "array") return choiceItems(schema.items, root);
  if (schema.kind === "union") return schema.options.flatMap((o) => (o.kind === "array" ? [] : choiceItems(o, root)));
  const item = (label: string, detail: string, documentation: string): CompletionItem => ({ label, kind: "value", insertText: label, detail, documentation });
  if (schema.kind === "enum") return schema.values.map((v) => item(v.value, schema.default === v.value ? "default" : "", v.doc));
  if (schema.kind === "boolean") return ["true", "false"].map((b) => item(b, "", schema.doc));
  if (schema.kind === "ref") return refNames(schema, root).map((n) => item(n, schema.what, schema.doc));
  return [];
}

/**
 * Values to offer where a value is typed. Choices (enum values, booleans, names defined in the cell)
 * complete a word towards an allowed value; once the word already is one, nothing is offered, so
 * Enter ends the line instead of "accepting" the same word.
 *
 * A number's default is different: it is not a choice, and offering it while digits are typed is
 * how `keys: 1000` + Enter became `keys: 10000` (the default started with what was typed, and Enter
 * accepted it). So the default is offered only on an empty value and only when asked for (Ctrl+Space,
 * never on a trigger character), and its filter text is the word "default": the first digit typed
 * no longer matches it, so the editor hides it at once, before the provider is even asked again.
 */
function valueItems(schema: Schema | undefined, root: unknown, typed: string, offerDefault: boolean): CompletionItem[] {
  if (!schema) return [];
  const choices = choiceItems(schema, root);
  if (choices.length > 0) return choices.some((c) => c.label === typed) ? [] : choices;
  if (!offerDefault || schema.kind !== "number" || schema.default === undefined) return [];
  const label = String(schema.default);
  return [{ label, kind: "value", insertText: label, filterText: "default", detail: "default", documentation: schema.doc }];
}

/**
 * What accepting a key inserts. A key whose value is a mapping or a list of mappings opens the
 * nested block on the next line, indented for it, and stops there: the suggestions are not opened
 * again, so the Enter that follows cannot insert another key by surprise. Only a value with a fixed
 * set of choices re-opens suggestions, for the value.
 */
function keyInsert(key: string, schema: Schema, keyCol: number): Pick<CompletionItem, "insertText" | "cursor" | "retrigger"> {
  const nested = " ".repeat(keyCol + 2);
  if (schema.kind === "object") return { insertText: `${key}:\n${nested}`, retrigger: false };
  if (schema.kind === "array" && schema.items.kind === "object") return { insertText: `${key}:\n${nested}- `, retrigger: false };
  if (schema.kind === "array") return { insertText: `${key}: []`, cursor: key.length + 3, retrigger: hasChoices(schema) };
  return { insertText: `${key}: `, retrigger: hasChoices(schema) };
}

function keyItems(schema: Schema | undefined, present: ReadonlySet<string>, keyCol: number, nameOnly: boolean): CompletionItem[] {
  if (!schema || schema.kind !== "object") return [];
  return Object.entries((schema as ObjectSchema).fields)
    .filter(([k]) => !present.has(k))
    .map(([k, f]) => ({
      label: k,
      kind: "key",
      ...(nameOnly ? { insertText: k, retrigger: false } : keyInsert(k, f.schema, keyCol)),
      detail: `${typeName(f.schema)}${f.required ? ", required" : describeDefault(f.schema)}`,
      documentation: fieldDoc(k, f.schema, f.required),
    }));
}

/** Keys already written in the mapping that contains `row`. */
function siblingKeys(lines: readonly string[], row: number): Set<string> {
  const me = shape(lines[row] ?? "");
  const col = me.keyCol;
  const keys = new Set<string>();
  if (!me.dash) {
    for (let r = row - 1; r >= 0; r--) {
      const l = shape(lines[r]!);
      if (l.blank) continue;
      if (l.keyCol < col) break;
      if (l.keyCol === col && l.key) keys.add(l.key);
      if (l.dash && l.keyCol === col) break; // the first line of our list item
    }
  }
  for (let r = row + 1; r < lines.length; r++) {
    const l = shape(lines[r]!);
    if (l.blank) continue;
    if (l.keyCol < col || (l.dash && l.keyCol <= col)) break; // the parent, or the next list item
    if (l.keyCol === col && l.key) keys.add(l.key);
  }
  return keys;
}

export interface CompletionOptions {
  /** The user asked for completions (Ctrl+Space) rather than typing a trigger character. */
  readonly explicit?: boolean;
}

export function completionsAt(text: string, offset: number, schema: ObjectSchema, options: CompletionOptions = {}): Completions {
  const { lines, row, col } = lineAt(text, offset);
  const line = lines[row]!;
  const before = line.slice(0, col);
  const word = /[\w-]*$/.exec(before)![0];
  const wordAfter = /^[\w-]*/.exec(line.slice(col))![0];
  // The whole word around the cursor is replaced, so accepting in the middle of a word leaves no tail.
  const replace = { start: offset - word.length, end: offset + wordAfter.length };
  const valuePos = /^(\s*(?:-\s+)*)([A-Za-z_][\w-]*)\s*:\s*(\[[^\]]*)?[\w-]*$/.exec(before);
  if (valuePos) {
    const path = [...containerPath(lines, row), valuePos[2]!];
    const emptyValue =
      line
        .slice(col - word.length)
        .replace(/#.*$/, "")
        .trim() === "" && valuePos[3] === undefined;
    return { items: valueItems(schemaAt(schema, path), partialValue(text), word + wordAfter, emptyValue && options.explicit === true), replace };
  }
  const keyPos = /^(\s*)((?:-\s+)*)[\w-]*$/.test(before);
  if (!keyPos) return { items: [], replace };
  const path = containerPath(lines, row);
  const container = schemaAt(schema, path);
  const nameOnly = /^\s*:/.test(line.slice(col + wordAfter.length)); // the colon is already there
  if (container?.kind === "object") return { items: keyItems(container, siblingKeys(lines, row), shape(line).keyCol, nameOnly), replace };
  // A scalar list item ("- reader") completes like a value.
  return { items: valueItems(container, partialValue(text), word + wordAfter, false), replace };
}

export function hoverAt(text: string, offset: number, schema: ObjectSchema): Hover | undefined {
  const { lines, row, col, lineStart } = lineAt(text, offset);
  const line = lines[row]!;
  const l = shape(line);
  if (l.key && col >= l.keyCol && col <= l.keyCol + l.key.length) {
    const path = containerPath(lines, row);
    const container = schemaAt(schema, path);
    if (container?.kind !== "object") return undefined;
    const field = container.fields[l.key];
    if (!field) return undefined;
    return { markdown: fieldDoc(l.key, field.schema, field.required), range: { start: lineStart + l.keyCol, end: lineStart + l.keyCol + l.key.length } };
  }
  // An enum value: document the chosen value.
  const wordStart = col - /[\w-]*$/.exec(line.slice(0, col))![0].length;
  const wordEnd = col + /^[\w-]*/.exec(line.slice(col))![0].length;
  const word = line.slice(wordStart, wordEnd);
  if (!word) return undefined;
  const keyMatch = /^(\s*(?:-\s+)*)([A-Za-z_][\w-]*)\s*:/.exec(line);
  const path = keyMatch && wordStart > keyMatch[0].length - 1 ? [...containerPath(lines, row), keyMatch[2]!] : containerPath(lines, row);
  let target = schemaAt(schema, path);
  if (target?.kind === "array") target = target.items;
  if (target?.kind !== "enum") return undefined;
  const value = target.values.find((v) => v.value === word);
  if (!value) return undefined;
  return { markdown: `\`${value.value}\`: ${value.doc}`, range: { start: lineStart + wordStart, end: lineStart + wordEnd } };
}
