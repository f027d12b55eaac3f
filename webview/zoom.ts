// Diagrams are drawn at their natural size (100%) inside a frame that scrolls, never squeezed to
// the output's width: a wide diagram stays readable and scrolls sideways. A toolbar zooms, toggles
// between 100% and "fit to width" (which never shrinks text below a readable size), and opens the
// diagram full size. The same code runs in the notebook, the output panel and exported pages, where
// it binds to the toolbar already in the page.
import { DIAGRAM_FONT_PX } from "./theme";

/** Text in a diagram is drawn at DIAGRAM_FONT_PX at 100%; "fit" never shrinks it below 11 px. */
export const MIN_READABLE_SCALE = 11 / DIAGRAM_FONT_PX;
export const ZOOM_STEPS = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2] as const;

export type ZoomMode = { readonly fit: true } | { readonly fit: false; readonly scale: number };

/** The diagram's size at 100%, from its viewBox (Mermaid always writes one). */
export function naturalSize(svg: SVGSVGElement): { width: number; height: number } | undefined {
  const box = (svg.getAttribute("viewBox") ?? "")
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  if (box.length === 4 && box.every(Number.isFinite) && box[2]! > 0 && box[3]! > 0) return { width: box[2]!, height: box[3]! };
  return undefined;
}

/** The scale that fits `width` into `available` pixels, between the readable minimum and 100%. */
export function fitScale(width: number, available: number): number {
  if (!(available > 0)) return 1;
  return Math.min(1, Math.max(MIN_READABLE_SCALE, available / width));
}

export function nextStep(scale: number, direction: 1 | -1): number {
  if (direction > 0) return ZOOM_STEPS.find((s) => s > scale + 1e-6) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1]!;
  return [...ZOOM_STEPS].reverse().find((s) => s < scale - 1e-6) ?? ZOOM_STEPS[0];
}

/** Sets the SVG's drawn size; Mermaid's own "max-width: 100%" squeezing is turned off. */
export function applyScale(svg: SVGSVGElement, scale: number): void {
  const size = naturalSize(svg);
  if (!size) return;
  svg.style.maxWidth = "none";
  svg.setAttribute("width", String(Math.round(size.width * scale)));
  svg.setAttribute("height", String(Math.round(size.height * scale)));
  svg.dataset.scale = String(scale);
}

export interface ZoomControl {
  /** Apply the current zoom to the SVG now in the body (after each draw). */
  apply(): void;
  readonly mode: ZoomMode;
}

export interface ZoomOptions {
  readonly initial?: ZoomMode;
  /** Opens the diagram full size elsewhere (an editor panel); without it, a dialog in the page. */
  readonly openFull?: () => void;
}

function query<T extends Element>(root: Element, selector: string): T | undefined {
  return (root.querySelector(selector) as T | null) ?? undefined;
}

/**
 * Binds a diagram figure's toolbar (buttons with the classes dsnb-zoom-in, dsnb-zoom-out,
 * dsnb-zoom-toggle, dsnb-open-full and the dsnb-zoom-level label) to its SVG.
 */
export function bindZoom(figure: HTMLElement, options: ZoomOptions = {}): ZoomControl {
  const body = query<HTMLElement>(figure, ".dsnb-diagram-body")!;
  let mode: ZoomMode = options.initial ?? { fit: false, scale: 1 };
  const level = query<HTMLElement>(figure, ".dsnb-zoom-level");
  const toggle = query<HTMLElement>(figure, ".dsnb-zoom-toggle");
  const svg = () => query<SVGSVGElement>(body, "svg");
  const currentScale = (s: SVGSVGElement) => (mode.fit ? fitScale(naturalSize(s)?.width ?? 1, body.clientWidth) : mode.scale);
  const apply = () => {
    const s = svg();
    if (!s) return;
    const scale = currentScale(s);
    applyScale(s, scale);
    if (level) level.textContent = `${Math.round(scale * 100)}%`;
    if (toggle) {
      toggle.textContent = mode.fit ? "100%" : "Fit to width";
      toggle.setAttribute("aria-label", mode.fit ? "Show the diagram at 100%" : "Fit the diagram to the width of the output");
    }
    figure.dataset.zoom = mode.fit ? "fit" : String(scale);
  };
  const set = (next: ZoomMode) => {
    mode = next;
    apply();
  };
  const step = (direction: 1 | -1) => {
    const s = svg();
    set({ fit: false, scale: nextStep(s ? currentScale(s) : 1, direction) });
  };
  query(figure, ".dsnb-zoom-in")?.addEventListener("click", () => step(1));
  query(figure, ".dsnb-zoom-out")?.addEventListener("click", () => step(-1));
  toggle?.addEventListener("click", () => set(mode.fit ? { fit: false, scale: 1 } : { fit: true }));
  query(figure, ".dsnb-open-full")?.addEventListener("click", () => (options.openFull ? options.openFull() : openDialog(figure)));
  body.addEventListener("keydown", (e) => {
    const actions: Record<string, () => void> = {
      "+": () => step(1),
      "=": () => step(1),
      "-": () => step(-1),
      "0": () => set({ fit: false, scale: 1 }),
      f: () => set(mode.fit ? { fit: false, scale: 1 } : { fit: true }),
    };
    const act = actions[e.key];
    if (act && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      act();
    }
  });
  return {
    apply,
    get mode() {
      return mode;
    },
  };
}

/** Full size inside the page, for hosts that cannot open an editor panel (exported pages). */
function openDialog(figure: HTMLElement): void {
  const doc = figure.ownerDocument;
  const svg = query<SVGSVGElement>(figure, ".dsnb-diagram-body svg");
  if (!svg || typeof doc.createElement("dialog").showModal !== "function") return;
  const dialog = doc.createElement("dialog");
  dialog.className = "dsnb-full";
  const close = doc.createElement("button");
  close.className = "dsnb-full-close";
  close.textContent = "Close";
  close.addEventListener("click", () => dialog.close());
  // The copy keeps its id: Mermaid's embedded styles are scoped to it.
  const copy = svg.cloneNode(true) as SVGSVGElement;
  applyScale(copy, 1);
  dialog.append(close, copy);
  dialog.addEventListener("close", () => dialog.remove());
  doc.body.append(dialog);
  dialog.showModal();
}
