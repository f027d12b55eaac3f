// The one script an exported page keeps: it binds the diagrams' zoom toolbars (the SVG is already
// drawn) so a saved page zooms, fits and opens diagrams full size offline. Without scripts the
// page still reads: diagrams at 100% in frames that scroll.
import "@vscode-elements/elements/dist/vscode-button/index.js";
import { bindZoom } from "./zoom";

for (const figure of document.querySelectorAll<HTMLElement>(".dsnb-diagram")) {
  const scale = Number(figure.dataset.zoom);
  bindZoom(figure, { initial: figure.dataset.zoom === "fit" ? { fit: true } : { fit: false, scale: Number.isFinite(scale) && scale > 0 ? scale : 1 } }).apply();
}
