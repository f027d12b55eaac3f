// The .dsnb text format: a Markdown document whose fenced code blocks with a simulator id as the
// info word are scenario cells. Reading keeps every byte of the file beside the cells it makes, so
// writing an unedited notebook gives back the same bytes, whatever the file contains.
//
// A cell read from a file remembers its exact text (`source`). When it is written back and its
// value, kind and info string are unchanged, that text is emitted as it was; otherwise the cell is
// written afresh in the document's line-ending style. See docs/format.md.
import MarkdownIt from "markdown-it";
import { parse as parseYaml } from "yaml";

export const FORMAT_VERSION = 1;
/** A line that separates two consecutive markdown cells. Invisible when the Markdown is rendered. */
export const CELL_BREAK = "<!-- dsnb:cell -->";
const CELL_BREAK_RE = /^[ ]{0,3}<!--\s*dsnb:cell\s*-->[ \t]*$/;

export type CellKind = "markdown" | "scenario";

/** How a cell appeared in the file it was read from. */
export interface CellSource {
  readonly kind: CellKind;
  /** Text between the previous cell (or the front matter) and this cell: blank lines, cell breaks. */
  readonly before: string;
  /** The cell's own text: for a scenario cell the fences included, for markdown the value itself. */
  readonly body: string;
  /** The value as read, to tell whether the cell was edited. */
  readonly value: string;
  /** The fence info string as read (scenario cells). */
  readonly info?: string;
}

export interface CellModel {
  readonly kind: CellKind;
  /** The text the user edits: Markdown, or the YAML inside the fence. */
  readonly value: string;
  /** Fence info string for scenario cells: simulator id, then attributes ("cache-aside id=race seed=7"). */
  readonly info?: string;
  readonly source?: CellSource;
}

export interface FrontMatter {
  /** Exact text, delimiters and final line break included. */
  readonly raw: string;
  /** The parsed YAML, when it parses to a mapping. */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface DocumentMeta {
  readonly bom: boolean;
  /** The line ending used for new text: the file's most common one. */
  readonly eol: "\n" | "\r\n";
  readonly frontMatter?: FrontMatter;
  /** Text after the last cell. */
  readonly trailing: string;
  /** What could not be understood, in sentences for the user. The file still opens. */
  readonly problems: readonly string[];
  /** Base64 of the file when it is not UTF-8 text: it is kept and written back unchanged. */
  readonly undecodable?: string;
}

export interface NotebookModel {
  readonly cells: readonly CellModel[];
  readonly meta: DocumentMeta;
}

/** The simulator id of a fence info string, and its attributes. */
export interface CellInfo {
  readonly simulator: string;
  readonly id?: string;
  readonly seed?: number;
  /** Every key=value attribute, including id and seed. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Words that are not key=value. */
  readonly invalid: readonly string[];
}

export function parseInfo(info: string): CellInfo {
  const words = info.trim().split(/\s+/).filter(Boolean);
  const simulator = words[0] ?? "";
  const attributes: Record<string, string> = {};
  const invalid: string[] = [];
  for (const w of words.slice(1)) {
    const m = /^([A-Za-z][\w-]*)=(.*)$/.exec(w);
    if (m) attributes[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
    else invalid.push(w);
  }
  const seedText = attributes.seed;
  const seed = seedText !== undefined && /^\d{1,10}$/.test(seedText) && Number(seedText) <= 0xffff_ffff ? Number(seedText) : undefined;
  if (seedText !== undefined && seed === undefined) invalid.push(`seed=${seedText}`);
  return { simulator, ...(attributes.id !== undefined ? { id: attributes.id } : {}), ...(seed !== undefined ? { seed } : {}), attributes, invalid };
}

/** Build an info string; keeps attribute order stable (id, seed, then the rest as given). */
export function formatInfo(simulator: string, attributes: Readonly<Record<string, string>>): string {
  const keys = Object.keys(attributes).sort((a, b) => rank(a) - rank(b));
  return [simulator, ...keys.map((k) => `${k}=${attributes[k]}`)].join(" ");
}
function rank(key: string): number {
  return key === "id" ? 0 : key === "seed" ? 1 : 2;
}

/** Replace (or add) one attribute in an info string, keeping the others. */
export function withAttribute(info: string, key: string, value: string): string {
  const parsed = parseInfo(info);
  return formatInfo(parsed.simulator, { ...parsed.attributes, [key]: value });
}

// ---------------------------------------------------------------------------------------------
// Reading

interface Line {
  readonly text: string; // without its line ending
  readonly eol: string; // "\r\n", "\n", "\r" or "" for the last line
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ text: text.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  lines.push({ text: text.slice(start), eol: "" });
  return lines;
}

function joinLines(lines: readonly Line[], from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i++) out += lines[i]!.text + lines[i]!.eol;
  return out;
}

function dominantEol(text: string): "\n" | "\r\n" {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  return crlf > lf ? "\r\n" : "\n";
}

const markdown = new MarkdownIt({ html: true });

interface Fence {
  readonly open: number; // line index of the opening fence
  readonly end: number; // line index after the block
  readonly closed: boolean;
  readonly info: string;
}

/** Top-level fenced code blocks, as CommonMark sees them (markdown-it block parser). */
function findFences(lines: readonly Line[]): Fence[] {
  const src = lines.map((l) => l.text).join("\n");
  const fences: Fence[] = [];
  for (const token of markdown.parse(src, {})) {
    if (token.type !== "fence" || token.level !== 0 || !token.map) continue;
    const [open, end] = token.map;
    const openText = lines[open]!.text;
    const marker = /^[ ]{0,3}(`{3,}|~{3,})/.exec(openText)?.[1] ?? token.markup;
    const last = lines[end - 1]?.text ?? "";
    const closeRe = new RegExp(`^[ ]{0,3}${marker[0] === "`" ? "`" : "~"}{${marker.length},}[ \\t]*$`);
    const closed = end - 1 > open && closeRe.test(last);
    fences.push({ open, end, closed, info: token.info.trim() });
  }
  return fences;
}

function readFrontMatter(lines: readonly Line[], problems: string[]): { frontMatter?: FrontMatter; next: number } {
  if (lines.length < 2 || !/^---[ \t]*$/.test(lines[0]!.text) || lines[0]!.eol === "") return { next: 0 };
  for (let i = 1; i < lines.length; i++) {
    if (/^(---|\.\.\.)[ \t]*$/.test(lines[i]!.text)) {
      const raw = joinLines(lines, 0, i + 1);
      const yamlText = joinLines(lines, 1, i);
      try {
        const data = parseYaml(yamlText, { schema: "core", maxAliasCount: 50 }) as unknown;
        if (data === null || data === undefined) return { frontMatter: { raw }, next: i + 1 };
        if (typeof data !== "object" || Array.isArray(data)) {
          problems.push(`The front matter (lines 1–${i + 1}) should be a YAML mapping such as "title: …"; it is kept as it is.`);
          return { frontMatter: { raw }, next: i + 1 };
        }
        return { frontMatter: { raw, data: data as Record<string, unknown> }, next: i + 1 };
      } catch (err) {
        problems.push(`The front matter (lines 1–${i + 1}) is not valid YAML: ${(err as Error).message.split("\n")[0]}. It is kept as it is.`);
        return { frontMatter: { raw }, next: i + 1 };
      }
    }
  }
  return { next: 0 }; // no closing delimiter: not front matter, just Markdown
}

/** Split a markdown region at cell breaks into cells; whitespace-only pieces become trivia. */
function markdownCells(lines: readonly Line[], from: number, to: number, pending: { before: string }, cells: CellModel[]): void {
  let start = from;
  const flush = (end: number) => {
    let a = start;
    let b = end;
    while (a < b && lines[a]!.text.trim() === "") a++;
    while (b > a && lines[b - 1]!.text.trim() === "") b--;
    if (a === b) {
      pending.before += joinLines(lines, start, end);
      return;
    }
    pending.before += joinLines(lines, start, a);
    // The value ends before the last content line's line ending; that ending starts the trivia after it.
    const body = joinLines(lines, a, b - 1) + lines[b - 1]!.text;
    cells.push({ kind: "markdown", value: body, source: { kind: "markdown", before: pending.before, body, value: body } });
    pending.before = lines[b - 1]!.eol + joinLines(lines, b, end);
  };
  for (let i = from; i < to; i++) {
    if (CELL_BREAK_RE.test(lines[i]!.text)) {
      flush(i);
      pending.before += lines[i]!.text + lines[i]!.eol;
      start = i + 1;
    }
  }
  flush(to);
}

function scenarioCell(lines: readonly Line[], fence: Fence, before: string): { cell: CellModel; after: string } {
  const contentEnd = fence.closed ? fence.end - 1 : fence.end;
  const contentLines = contentEnd - (fence.open + 1);
  const value = contentLines > 0 ? joinLines(lines, fence.open + 1, contentEnd - 1) + lines[contentEnd - 1]!.text : "";
  const lastEnd = fence.end - 1;
  const body = joinLines(lines, fence.open, lastEnd) + lines[lastEnd]!.text;
  const cell: CellModel = { kind: "scenario", value, info: fence.info, source: { kind: "scenario", before, body, value, info: fence.info } };
  return { cell, after: lines[lastEnd]!.eol };
}

function decode(bytes: Uint8Array): { text: string; bom: boolean } | undefined {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bom ? 3 : 0));
    return { text, bom };
  } catch {
    return undefined;
  }
}

export interface ParseOptions {
  /** Whether a fence info word names a scenario cell (a registered simulator). */
  readonly isScenario: (simulatorId: string) => boolean;
}

export function parseNotebookText(text: string, bom: boolean, options: ParseOptions): NotebookModel {
  const problems: string[] = [];
  const lines = splitLines(text);
  const { frontMatter, next } = readFrontMatter(lines, problems);
  const cells: CellModel[] = [];
  const pending = { before: "" };
  let cursor = next;
  const bodyLines = lines.slice(next);
  for (const f of findFences(bodyLines)) {
    const fence = { ...f, open: f.open + next, end: f.end + next };
    const simulator = parseInfo(fence.info).simulator;
    if (!options.isScenario(simulator)) continue;
    markdownCells(lines, cursor, fence.open, pending, cells);
    const { cell, after } = scenarioCell(lines, fence, pending.before);
    cells.push(cell);
    pending.before = after;
    if (!fence.closed) problems.push(`The ${simulator} cell that starts on line ${fence.open + 1} has no closing fence, so it runs to the end of the file.`);
    const info = parseInfo(fence.info);
    if (info.invalid.length)
      problems.push(
        `Line ${fence.open + 1}: cannot read the cell attribute${info.invalid.length > 1 ? "s" : ""} ${info.invalid.join(", ")} (expected key=value, and seed a whole number up to 4294967295).`,
      );
    cursor = fence.end;
  }
  markdownCells(lines, cursor, lines.length, pending, cells);
  return {
    cells,
    meta: { bom, eol: dominantEol(text), ...(frontMatter ? { frontMatter } : {}), trailing: pending.before, problems },
  };
}

/** Read a .dsnb file. Never throws: what cannot be understood is reported in meta.problems and kept. */
export function parseNotebook(bytes: Uint8Array, options: ParseOptions): NotebookModel {
  const decoded = decode(bytes);
  if (!decoded) {
    const message =
      "This file is not valid UTF-8 text, so dsnb cannot show it as a notebook. It is kept unchanged: saving writes back exactly the bytes it had.";
    return {
      cells: [{ kind: "markdown", value: `**Cannot open this notebook.** ${message}` }],
      meta: { bom: false, eol: "\n", trailing: "", problems: [message], undecodable: toBase64(bytes) },
    };
  }
  return parseNotebookText(decoded.text, decoded.bom, options);
}

// ---------------------------------------------------------------------------------------------
// Writing

function normalizeEol(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function withEol(text: string, eol: string): string {
  return normalizeEol(text).replace(/\n/g, eol);
}

/** Whether a cell still reads exactly as it did in the file. */
function unchanged(cell: CellModel): boolean {
  const src = cell.source;
  if (!src || src.kind !== cell.kind) return false;
  if (cell.kind === "scenario" && (cell.info ?? "") !== (src.info ?? "")) return false;
  return normalizeEol(cell.value) === normalizeEol(src.value);
}

function fenceFor(value: string): string {
  let longest = 0;
  for (const m of value.matchAll(/^[ ]{0,3}(`{3,})/gm)) longest = Math.max(longest, m[1]!.length);
  return "`".repeat(Math.max(3, longest + 1));
}

/** Close a fence left open at the end of edited Markdown, so it cannot swallow the cells after it. */
function closeOpenFence(value: string, eol: string): string {
  const fences = findFences(splitLines(value));
  const last = fences[fences.length - 1];
  if (!last || last.closed) return value;
  const marker = /^[ ]{0,3}(`{3,}|~{3,})/.exec(splitLines(value)[last.open]!.text)?.[1] ?? "```";
  return `${value}${eol}${marker}`;
}

function freshBody(cell: CellModel, eol: string): string {
  if (cell.kind === "markdown") return closeOpenFence(withEol(cell.value, eol), eol);
  const fence = fenceFor(cell.value);
  const value = withEol(cell.value, eol);
  return `${fence}${cell.info ?? ""}${eol}${value}${value === "" || value.endsWith(eol) ? "" : eol}${fence}`;
}

/** The text between two cells when the file has none to reuse. */
function separator(prev: CellModel, cell: CellModel, eol: string): string {
  if (prev.kind === "markdown" && cell.kind === "markdown") return `${eol}${eol}${CELL_BREAK}${eol}${eol}`;
  return `${eol}${eol}`;
}

function hasBreak(text: string): boolean {
  return normalizeEol(text)
    .split("\n")
    .some((l) => CELL_BREAK_RE.test(l));
}

/**
 * The text before a cell. A cell's trivia travels with it, and is reused while it still does its
 * job: after another cell it must start on a new line, and between two markdown cells it must
 * hold a cell break. Otherwise a fresh separator is written.
 */
function beforeCell(prev: CellModel | undefined, cell: CellModel, meta: DocumentMeta): string {
  const before = cell.source?.before;
  if (!prev) return before ?? (meta.frontMatter ? meta.eol : "");
  const needsBreak = prev.kind === "markdown" && cell.kind === "markdown";
  if (before !== undefined && /^(\r\n|\r|\n)/.test(before) && (!needsBreak || hasBreak(before))) return before;
  return separator(prev, cell, meta.eol);
}

export function serializeNotebookText(model: NotebookModel): string {
  const { meta } = model;
  let out = meta.frontMatter?.raw ?? "";
  let prev: CellModel | undefined;
  for (const cell of model.cells) {
    out += beforeCell(prev, cell, meta) + (unchanged(cell) ? cell.source!.body : freshBody(cell, meta.eol));
    prev = cell;
  }
  const last = model.cells[model.cells.length - 1];
  // The file's closing text is kept; a notebook written from scratch ends with a line break.
  return out + (last && !/^(\r\n|\r|\n)/.test(meta.trailing) && !last.source ? meta.eol + meta.trailing : meta.trailing);
}

export function serializeNotebook(model: NotebookModel): Uint8Array {
  if (model.meta.undecodable !== undefined) return fromBase64(model.meta.undecodable);
  const text = serializeNotebookText(model);
  const body = new TextEncoder().encode(text);
  if (!model.meta.bom) return body;
  const out = new Uint8Array(body.length + 3);
  out.set([0xef, 0xbb, 0xbf]);
  out.set(body, 3);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
