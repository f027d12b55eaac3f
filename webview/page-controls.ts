// The one script an exported page keeps. The page is static SVG; this binds what needs a script:
// the diagrams' zoom toolbars (zoom, fit, full size) and, for each run with a timeline, the step
// explorer on its diagram (built again from the page's data), so a saved page steps through its
// runs offline. Without scripts the page still reads: diagrams at 100% in frames that scroll.
import "@vscode-elements/elements/dist/vscode-button/index.js";
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
  const explorer = new TimelineExplorer(document, timeline, { svg: () => frame.querySelector("svg") ?? undefined, frame: () => frame, lineKinds: lineKinds ?? "" });
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
