// Measures drawn diagrams in a real browser: the smallest text as it appears on screen (font size
// times the SVG's scale) and every sequence-diagram note whose text is wider than its box. Runs in
// the page (Playwright's evaluate), so it must not close over anything.
export interface DiagramMetrics {
  readonly title: string;
  /** Drawn width divided by the viewBox width. */
  readonly scale: number;
  /** The smallest drawn text in the diagram, in CSS pixels. */
  readonly minTextPx: number;
  /** Notes whose text is wider than their box: the text, and by how many pixels. */
  readonly overflowingNotes: readonly { text: string; overflowPx: number }[];
}

export function measureDiagrams(): DiagramMetrics[] {
  const out: DiagramMetrics[] = [];
  for (const svg of document.querySelectorAll<SVGSVGElement>(".dsnb-diagram-body svg")) {
    // Diagrams not shown (an exported page's other knob combinations) have no size to measure.
    if (svg.getBoundingClientRect().width === 0) continue;
    const box = (svg.getAttribute("viewBox") ?? "0 0 1 1").split(/[\s,]+/).map(Number);
    const scale = svg.getBoundingClientRect().width / (box[2] || 1);
    let minTextPx = Infinity;
    for (const t of svg.querySelectorAll<SVGTextElement>("text, foreignObject div, foreignObject span")) {
      if (!(t.textContent ?? "").trim()) continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px > 0) minTextPx = Math.min(minTextPx, px);
    }
    const overflowingNotes: { text: string; overflowPx: number }[] = [];
    for (const rect of svg.querySelectorAll<SVGRectElement>("rect.note")) {
      const g = rect.parentElement;
      const texts = g ? [...g.querySelectorAll<SVGTextElement>("text.noteText")] : [];
      if (texts.length === 0) continue;
      const r = rect.getBoundingClientRect();
      const left = Math.min(...texts.map((t) => t.getBoundingClientRect().left));
      const right = Math.max(...texts.map((t) => t.getBoundingClientRect().right));
      const over = Math.max(r.left - left, right - r.right);
      if (over > 0.5) overflowingNotes.push({ text: texts.map((t) => t.textContent).join(" "), overflowPx: Math.round(over * 10) / 10 });
    }
    const title = svg.closest(".dsnb-diagram")?.querySelector(".dsnb-diagram-title")?.textContent ?? "";
    out.push({ title, scale: Math.round(scale * 1000) / 1000, minTextPx: Math.round(minTextPx * 10) / 10, overflowingNotes });
  }
  return out;
}
