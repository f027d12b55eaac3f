// Charts with Observable Plot: SVG output, text in currentColor, legends, pointer tips and log
// scales. Series colours come from the theme (webview/theme.ts), read when drawing and redrawn on
// theme change; tooltips show values rounded as the tables show them.
import * as Plot from "@observablehq/plot";
import type { ChartSpec } from "../src/protocol/output";
import { formatNumber } from "../src/present/markdown";
import { palette } from "./theme";

export { palette };

/**
 * A chart value as the tooltip shows it: a percentage with one decimal, or a rounded number. A
 * percent axis has Plot turn fractions into percentages, so the tooltip already gets 19.133 for 0.19133.
 */
export function formatValue(value: unknown, percent: boolean): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return String(value);
  return percent ? `${value.toFixed(1)}%` : formatNumber(value);
}

interface Row {
  readonly x: number | string;
  readonly y: number;
  readonly series: string;
}

function rows(spec: ChartSpec): Row[] {
  return spec.series.flatMap((s) => s.points.map((p) => ({ x: p.x, y: p.y, series: s.name })));
}

function axisType(scale: ChartSpec["x"]["scale"], fallback: "linear" | "band"): "linear" | "log" | "band" {
  return scale ?? fallback;
}

/** Draw a chart spec as an SVG (or a figure holding the legend and the SVG). */
export function drawChart(spec: ChartSpec, doc: Document, width = 640): HTMLElement | SVGSVGElement {
  const data = rows(spec);
  const names = spec.series.map((s) => s.name);
  const color = { domain: names, range: palette(doc), legend: names.length > 1 };
  const yScale = {
    label: spec.y.percent ? `${spec.y.label} (%)` : spec.y.label,
    type: axisType(spec.y.scale, "linear") === "log" ? ("log" as const) : ("linear" as const),
    percent: spec.y.percent ?? false,
    grid: true,
    ...(spec.y.scale !== "log" ? { zero: true } : {}),
  };
  const common = {
    document: doc,
    width,
    height: 300,
    marginLeft: 56,
    marginBottom: 40,
    style: { background: "transparent", color: "currentColor", fontSize: "11px" },
    color,
    y: yScale,
  };
  if (spec.kind === "bar") {
    return Plot.plot({
      ...common,
      fx: { label: spec.x.label, padding: 0.15, domain: [...new Set(data.map((d) => d.x))] },
      x: { axis: null, domain: names, padding: 0.1 },
      marks: [
        Plot.barY(data, {
          fx: "x",
          x: "series",
          y: "y",
          fill: "series",
          tip: { format: { y: (v: unknown) => formatValue(v, spec.y.percent ?? false), fill: false } },
        }),
        Plot.ruleY([0]),
      ],
    }) as HTMLElement;
  }
  const xType = axisType(spec.x.scale, "linear");
  return Plot.plot({
    ...common,
    x: { label: spec.x.label, type: xType === "band" ? "point" : xType, grid: true },
    marks: [
      Plot.line(data, { x: "x", y: "y", stroke: "series", marker: "circle" }),
      Plot.tip(
        data,
        Plot.pointer({
          x: "x",
          y: "y",
          stroke: "series",
          channels: { series: "series" },
          format: {
            x: (v: unknown) => (typeof v === "number" ? formatNumber(v) : String(v)),
            y: (v: unknown) => formatValue(v, spec.y.percent ?? false),
            stroke: false,
          },
        }),
      ),
    ],
  }) as HTMLElement;
}
