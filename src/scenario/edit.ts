// Edits of a cell's YAML that keep the author's comments and layout (the YAML document is edited in
// place): turning a knob (one option set to a new value), and "Replay this run" (an exploration's
// keys taken out and the run's settings written in).
import { isMap, isScalar, isSeq, type Document, type YAMLMap } from "yaml";
import type { Replay } from "../core/verdict";
import { parseYaml } from "./load";

/** Removes `key`; a comment written above it stays, above whatever follows. */
function removeKeepingComments(map: YAMLMap, key: string): void {
  const i = map.items.findIndex((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
  if (i < 0) return;
  const above = isScalar(map.items[i]!.key) ? (map.items[i]!.key as { commentBefore?: string | null }).commentBefore : undefined;
  map.items.splice(i, 1);
  const next = map.items[i]?.key;
  if (above && isScalar(next)) next.commentBefore = next.commentBefore ? `${above}\n${next.commentBefore}` : above;
  else if (above) map.comment = map.comment ? `${map.comment}\n${above}` : above;
}

/** The text of a cell that replays `replay`, from the exploring cell's text. */
export function replaySource(source: string, replay: Replay): string {
  const doc: Document.Parsed = parseYaml(source);
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new Error("The cell's YAML could not be read, so the run cannot be replayed from it.");
  // The cell's expectations were about the exploration, not about this one run.
  for (const key of [...(replay.remove ?? []), "expect"]) removeKeepingComments(doc.contents, key);
  for (const [key, value] of Object.entries(replay.set ?? {})) {
    const before = doc.contents.get(key, true);
    const node = doc.createNode(value);
    // A list is written inline, unless it replaces one the author wrote as a block, one item a line.
    if (isSeq(node)) node.flow = !(isSeq(before) && !before.flow);
    doc.set(key, node);
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** A scalar as YAML writes it: plain where that reads back the same, quoted otherwise. */
function scalarText(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  const plain = parseYaml(`x: ${value}`).toJS() as { x?: unknown } | null;
  return plain?.x === value && !value.includes("#") ? value : JSON.stringify(value);
}

/**
 * The cell's text with top-level option `key` set to `value` (a knob turned). Only the value's own
 * characters change (or one line is added), so every comment, quote and space stays as written.
 */
export function setOption(source: string, key: string, value: string | number | boolean): string {
  const doc: Document.Parsed = parseYaml(source);
  if (doc.errors.length > 0 || (doc.contents !== null && !isMap(doc.contents)))
    throw new Error("The cell's YAML could not be read, so the option cannot be changed in it.");
  const pair = doc.contents?.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
  const range = pair && isScalar(pair.value) ? pair.value.range : undefined;
  if (range) return source.slice(0, range[0]) + scalarText(value) + source.slice(range[1]);
  if (pair) throw new Error(`"${key}" is not a single value in this cell, so it cannot be changed from the output.`);
  return `${source}${source === "" || source.endsWith("\n") ? "" : "\n"}${key}: ${scalarText(value)}\n`;
}
