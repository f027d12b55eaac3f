// One source of colours for everything the renderer draws: Mermaid diagrams, Observable Plot charts
// and their tooltips all take them from VS Code's --vscode-* variables, read when drawing (SVG
// attributes cannot hold CSS variables). The webview's body carries vscode-light, vscode-dark or
// vscode-high-contrast[-light]; pages outside VS Code (exports) define the same variables.
export type ThemeKind = "light" | "dark" | "high-contrast" | "high-contrast-light";

export function themeKind(body: HTMLElement): ThemeKind {
  // A standalone page (an export drawn in a webview) keeps its light theme whatever VS Code's is.
  if (body.dataset.dsnbTheme === "light") return "light";
  const c = body.classList;
  if (c.contains("vscode-high-contrast-light")) return "high-contrast-light";
  if (c.contains("vscode-high-contrast")) return "high-contrast";
  if (c.contains("vscode-dark")) return "dark";
  return "light";
}

function cssVar(body: HTMLElement, name: string, fallback: string): string {
  return body.ownerDocument.defaultView?.getComputedStyle(body).getPropertyValue(name).trim() || fallback;
}

const PALETTE_VARS = [
  "--vscode-charts-blue",
  "--vscode-charts-red",
  "--vscode-charts-green",
  "--vscode-charts-yellow",
  "--vscode-charts-purple",
  "--vscode-charts-orange",
];
/** VS Code's defaults for the chart colours, light and dark, when a host does not define them. */
const FALLBACK = {
  light: ["#1a85ff", "#e51400", "#388a34", "#bf8803", "#652d90", "#d18616"],
  dark: ["#3794ff", "#f14c4c", "#89d185", "#cca700", "#b180d7", "#d18616"],
};

export interface ThemeColors {
  readonly kind: ThemeKind;
  readonly dark: boolean;
  readonly font: string;
  readonly foreground: string;
  readonly background: string;
  readonly border: string;
  /** Tooltip box and text. */
  readonly hoverBackground: string;
  readonly hoverForeground: string;
  /** Series colours: the six chart colours, then the same six mixed halfway with the background. */
  readonly palette: readonly string[];
}

/** Parses #rgb, #rrggbb(aa) and rgb()/rgba() colours; undefined for anything else. */
function parseColor(c: string): [number, number, number] | undefined {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(c.trim());
  if (hex) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((x) => x + x).join("") : hex[1]!.slice(0, 6);
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  }
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(c.trim());
  return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : undefined;
}

/** `a` mixed with `b` (share of b from 0 to 1), as #rrggbb; `a` itself when either cannot be read. */
export function mix(a: string, b: string, share: number): string {
  const x = parseColor(a);
  const y = parseColor(b);
  if (!x || !y) return a;
  return (
    "#" +
    x
      .map((v, i) =>
        Math.round(v + (y[i]! - v) * share)
          .toString(16)
          .padStart(2, "0"),
      )
      .join("")
  );
}

export function themeColors(body: HTMLElement): ThemeColors {
  const kind = themeKind(body);
  const dark = kind === "dark" || kind === "high-contrast";
  const foreground = cssVar(body, "--vscode-editor-foreground", dark ? "#cccccc" : "#3b3b3b");
  const background = cssVar(body, "--vscode-editor-background", dark ? "#1f1f1f" : "#ffffff");
  const base = PALETTE_VARS.map((v, i) => cssVar(body, v, (dark ? FALLBACK.dark : FALLBACK.light)[i]!));
  return {
    kind,
    dark,
    font: cssVar(body, "--vscode-font-family", "sans-serif"),
    foreground,
    background,
    border: cssVar(body, "--vscode-contrastBorder", cssVar(body, "--vscode-editorWidget-border", dark ? "#454545" : "#c8c8c8")),
    hoverBackground: cssVar(body, "--vscode-editorHoverWidget-background", background),
    hoverForeground: cssVar(body, "--vscode-editorHoverWidget-foreground", foreground),
    palette: [...base, ...base.map((c) => mix(c, background, 0.45))],
  };
}

/** Chart series colours for the current theme. */
export function palette(doc: Document): string[] {
  return doc.body ? [...themeColors(doc.body).palette] : [...FALLBACK.light];
}

/** Diagram text is never drawn smaller than this at 100% (the size of VS Code's editor text). */
export const DIAGRAM_FONT_PX = 14;

function pieVariables(c: ThemeColors): Record<string, string> {
  const v: Record<string, string> = {
    pieStrokeColor: c.background,
    pieOuterStrokeColor: c.foreground,
    pieTitleTextColor: c.foreground,
    pieLegendTextColor: c.foreground,
    pieSectionTextColor: c.dark ? "#000000" : "#ffffff",
    pieOpacity: "1",
  };
  c.palette.forEach((colour, i) => {
    v[`pie${i + 1}`] = colour;
  });
  return v;
}

/**
 * Mermaid settings for the current theme. Text is measured by Mermaid with the fonts named here and
 * drawn with the theme's font: both are the editor's font, so boxes fit their text.
 */
export function mermaidConfig(body: HTMLElement): Record<string, unknown> {
  const c = themeColors(body);
  const fontSize = `${DIAGRAM_FONT_PX}px`;
  const fonts = { fontFamily: c.font, fontSize: DIAGRAM_FONT_PX };
  const layout = {
    fontFamily: c.font,
    sequence: {
      actorFontFamily: c.font,
      noteFontFamily: c.font,
      messageFontFamily: c.font,
      actorFontSize: DIAGRAM_FONT_PX,
      noteFontSize: DIAGRAM_FONT_PX,
      messageFontSize: DIAGRAM_FONT_PX,
    },
    flowchart: { ...fonts },
    gantt: { fontSize: DIAGRAM_FONT_PX, sectionFontSize: DIAGRAM_FONT_PX },
    pie: { textPosition: 0.7 },
  };
  if (c.kind === "high-contrast" || c.kind === "high-contrast-light") {
    const { foreground: fg, background: bg, border } = c;
    return {
      ...layout,
      theme: "base",
      themeVariables: {
        darkMode: c.kind === "high-contrast",
        background: bg,
        primaryColor: bg,
        primaryTextColor: fg,
        primaryBorderColor: border,
        lineColor: fg,
        textColor: fg,
        actorBkg: bg,
        actorBorder: border,
        actorTextColor: fg,
        signalColor: fg,
        signalTextColor: fg,
        noteBkgColor: bg,
        noteTextColor: fg,
        noteBorderColor: border,
        fontFamily: c.font,
        fontSize,
        ...pieVariables(c),
      },
    };
  }
  return { ...layout, theme: c.dark ? "dark" : "default", themeVariables: { fontFamily: c.font, fontSize, ...pieVariables(c) } };
}

function themeKey(body: HTMLElement): string {
  return `${body.className}|${body.getAttribute("data-vscode-theme-id") ?? ""}`;
}

/** Call `onChange` whenever the VS Code theme changes (its kind or the theme itself). */
export function watchTheme(body: HTMLElement, onChange: () => void): () => void {
  let last = themeKey(body);
  const view = body.ownerDocument.defaultView;
  if (!view?.MutationObserver) return () => {};
  const observer = new view.MutationObserver(() => {
    const now = themeKey(body);
    if (now !== last) {
      last = now;
      onChange();
    }
  });
  observer.observe(body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-id"] });
  return () => observer.disconnect();
}
