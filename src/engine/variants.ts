// Exported pages keep their knobs working without an extension: for a cell whose choice knobs (and
// switches) make at most MAX_VARIANTS combinations, the export runs every combination, and the page
// shows the one the knobs select. Number knobs keep the cell's value there (a page cannot run cells).
import type { Knob } from "../protocol/output";
import { setOption } from "../scenario/edit";

export const MAX_VARIANTS = 16;

export type KnobValues = Readonly<Record<string, string | number | boolean>>;

export interface Variant {
  /** The knobs' values in this variant. */
  readonly values: KnobValues;
  /** The cell's text with those values written in. */
  readonly source: string;
}

function choicesOf(k: Knob): readonly (string | boolean)[] | undefined {
  if (k.kind === "choice") return k.choices;
  if (k.kind === "switch") return [true, false];
  return undefined;
}

/** Every combination of the cell's choice knobs, the cell's own first; none when there are too many or none. */
export function knobVariants(source: string, knobs: readonly Knob[] | undefined): Variant[] {
  const turnable = (knobs ?? [])
    .map((k) => ({ k, choices: choicesOf(k) }))
    .filter((x): x is { k: Knob; choices: readonly (string | boolean)[] } => x.choices !== undefined);
  const total = turnable.reduce((n, x) => n * x.choices.length, 1);
  if (turnable.length === 0 || total > MAX_VARIANTS) return [];
  let combos: Record<string, string | number | boolean>[] = [{}];
  for (const { k, choices } of turnable) combos = combos.flatMap((c) => choices.map((v) => ({ ...c, [k.key]: v })));
  const own = Object.fromEntries(turnable.map(({ k }) => [k.key, k.value]));
  const isOwn = (c: KnobValues) => turnable.every(({ k }) => c[k.key] === own[k.key]);
  combos.sort((a, b) => Number(isOwn(b)) - Number(isOwn(a)));
  return combos.map((values) => ({
    values,
    source: isOwn(values) ? source : Object.entries(values).reduce((text, [key, v]) => setOption(text, key, v), source),
  }));
}
