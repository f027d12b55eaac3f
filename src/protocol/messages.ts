// Messages from the notebook renderer to the extension (renderer messaging, optional: outputs draw
// the same where no extension answers, as in exported pages). Each names the output it came from
// by the run id the extension wrote into the output's metadata, so the extension finds the cell,
// and its run, itself.

export interface RendererMessages {
  /** Open the whole output in an editor panel. */
  openPanel: { readonly outputId: string };
  /** Open one of the output's diagrams full size in an editor panel. */
  openDiagram: { readonly outputId: string; readonly diagramId: string };
  /** Run the output's cell once more with a new seed, without editing the file. */
  newSeed: { readonly outputId: string };
  /** Write the output's seed into its cell. */
  pinSeed: { readonly outputId: string };
  /** Run the output's cell with the cell's own seed. */
  runCellSeed: { readonly outputId: string };
  /** Insert a cell that replays the run behind finding `finding` of the output, and run it. */
  replay: { readonly outputId: string; readonly finding: number };
  /** Open the reference entry for a finding code. */
  openFinding: { readonly outputId: string; readonly code: string };
  /** Set the cell's option `key` to `value` (a knob turned), then run the cell again. */
  setKnob: { readonly outputId: string; readonly key: string; readonly value: string | number | boolean };
  /** Put the cell back as the lesson had it when the notebook was opened, and run it. */
  resetLesson: { readonly outputId: string };
}

export type RendererMessageType = keyof RendererMessages;

export type RendererMessage = { [K in RendererMessageType]: { readonly type: K } & RendererMessages[K] }[RendererMessageType];

const FIELDS: { [K in RendererMessageType]: readonly (keyof RendererMessages[K])[] } = {
  openPanel: ["outputId"],
  openDiagram: ["outputId", "diagramId"],
  newSeed: ["outputId"],
  pinSeed: ["outputId"],
  runCellSeed: ["outputId"],
  replay: ["outputId", "finding"],
  openFinding: ["outputId", "code"],
  setKnob: ["outputId", "key", "value"],
  resetLesson: ["outputId"],
};

/** Whether a value received from a renderer is one of our messages, with every field present. */
export function isRendererMessage(value: unknown): value is RendererMessage {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const fields = typeof v.type === "string" && Object.hasOwn(FIELDS, v.type) ? (FIELDS[v.type as RendererMessageType] as readonly string[]) : undefined;
  const valid = (f: string) =>
    f === "finding" ? Number.isInteger(v[f]) : f === "value" ? ["string", "number", "boolean"].includes(typeof v[f]) : typeof v[f] === "string";
  return fields !== undefined && fields.every(valid);
}
