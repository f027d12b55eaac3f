// The one script an exported page keeps. The page is static SVG; this binds what needs a script:
// the diagrams' zoom toolbars (zoom, fit, full size); for each run with a timeline, the step
// explorer on its diagram (built again from the page's data); and the knobs of cells exported with
// every combination of their choices, which show the combination they select. A saved page steps
// through its runs and turns its knobs offline. Without scripts it still reads: diagrams at 100%.
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import { bindZoom } from "./zoom";
import { TimelineExplorer } from "./explorer";
import { PAGE_DATA_ID, type PageData } from "./page-data";

for (const figure of document.querySelectorAll<HTMLElement>(".dsnb-diagram")) {
  const scale = Number(figure.dataset.zoom);
  bindZoom(figure, { initial: figure.dataset.zoom === "fit" ? { fit: true } : { fit: false, scale: Number.isFinite(scale) && scale > 0 ? scale : 1 } }).apply();
}

const data: PageData[] = JSON.parse(document.getElementById(PAGE_DATA_ID)?.textContent ?? "[]");
for (const slot of document.querySelectorAll<HTMLElement>(".dsnb-export-output")) {
  const { timeline, lineKinds } = data[Number(slot.dataset.output)] ?? {};
  const figure = timeline ? slot.querySelector<HTMLElement>(`.dsnb-diagram[data-diagram="${CSS.escape(timeline.diagramId)}"]`) : null;
  const frame = figure?.querySelector<HTMLElement>(".dsnb-diagram-body");
  if (!timeline || !figure || !frame) continue;
  const explorer = new TimelineExplorer(document, timeline, {
    svg: () => frame.querySelector("svg") ?? undefined,
    frame: () => frame,
    lineKinds: lineKinds ?? "",
  });
  const dead = figure.querySelector(".dsnb-explorer");
  if (dead) dead.replaceWith(explorer.element);
  else figure.insertBefore(explorer.element, frame);
  frame.addEventListener("keydown", (e) => explorer.onKey(e));
  explorer.attach();
  for (const show of slot.querySelectorAll<HTMLElement>(".dsnb-show-step")) {
    const step = Number(show.dataset.step);
    show.addEventListener("click", () => {
      explorer.go(step);
      explorer.element.focus();
    });
  }
}

/** The values a variant slot was run with. */
function valuesOf(slot: HTMLElement): Record<string, unknown> {
  return JSON.parse(slot.dataset.knobs ?? "{}") as Record<string, unknown>;
}

/** Turning a knob shows the slot run with the values the knobs now select. */
function bindVariants(group: HTMLElement): void {
  const slots = [...group.querySelectorAll<HTMLElement>(":scope > .dsnb-export-output")];
  for (const slot of slots) {
    for (const item of slot.querySelectorAll<HTMLElement>(".dsnb-knob")) {
      const control = item.querySelector<HTMLElement & { value?: string; checked?: boolean }>(".dsnb-knob-control");
      const key = item.dataset.key;
      if (!control || !key || control.hasAttribute("disabled")) continue;
      control.addEventListener("change", () => {
        const value = control.tagName.toLowerCase() === "vscode-checkbox" ? control.checked : control.value;
        const wanted = JSON.stringify({ ...valuesOf(slot), [key]: value });
        const next = slots.find((s) => JSON.stringify(valuesOf(s)) === wanted || sameValues(valuesOf(s), JSON.parse(wanted)));
        if (!next || next === slot) return;
        for (const s of slots) s.hidden = s !== next;
        next.querySelector<HTMLElement>(`.dsnb-knob[data-key="${CSS.escape(key)}"] .dsnb-knob-control`)?.focus();
      });
    }
  }
}

function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

document.querySelectorAll<HTMLElement>(".dsnb-variants").forEach(bindVariants);
