// What an exported page keeps of each output for its one script: the timeline to step through and
// the line kinds of the diagram it is drawn on. Everything else is already in the page as SVG.
import { isRunOutput, type Timeline } from "../src/protocol/output";

export const PAGE_DATA_ID = "dsnb-page-data";

export interface PageData {
  readonly timeline?: Timeline;
  readonly lineKinds?: string;
}

export function pageData(output: unknown): PageData {
  if (!isRunOutput(output) || !output.timeline) return {};
  const diagram = output.diagrams.find((d) => d.id === output.timeline!.diagramId);
  return { timeline: output.timeline, ...(diagram?.lineKinds ? { lineKinds: diagram.lineKinds } : {}) };
}
