// What an output's buttons do in the notebook: post a typed message naming the output to the extension.
import type { RendererMessage } from "../src/protocol/messages";
import type { RunActions } from "./render";

/** Buttons that ask the extension to act on an output; none where no extension listens. */
export function actionsFor(outputId: string, post: ((message: RendererMessage) => void) | undefined): RunActions | undefined {
  if (!post) return undefined;
  return {
    openPanel: () => post({ type: "openPanel", outputId }),
    openDiagram: (diagramId) => post({ type: "openDiagram", outputId, diagramId }),
    newSeed: () => post({ type: "newSeed", outputId }),
    pinSeed: () => post({ type: "pinSeed", outputId }),
    runCellSeed: () => post({ type: "runCellSeed", outputId }),
    replay: (finding) => post({ type: "replay", outputId, finding }),
    openFinding: (code) => post({ type: "openFinding", outputId, code }),
    setKnob: (key, value) => post({ type: "setKnob", outputId, key, value }),
    resetLesson: () => post({ type: "resetLesson", outputId }),
  };
}
