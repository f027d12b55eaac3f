// Mermaid settings that follow the active VS Code theme (the notebook webview's body carries
// vscode-light, vscode-dark or vscode-high-contrast[-light]).
export type ThemeKind = "light" | "dark" | "high-contrast" | "high-contrast-light";

export function themeKind(body: HTMLElement): ThemeKind {
  const c = body.classList;
  if (c.contains("vscode-high-contrast-light")) return "high-contrast-light";
  if (c.contains("vscode-high-contrast")) return "high-contrast";
  if (c.contains("vscode-dark")) return "dark";
  return "light";
}

function cssVar(body: HTMLElement, name: string, fallback: string): string {
  return body.ownerDocument.defaultView?.getComputedStyle(body).getPropertyValue(name).trim() || fallback;
}

export function mermaidConfig(body: HTMLElement): Record<string, unknown> {
  const kind = themeKind(body);
  const font = cssVar(body, "--vscode-font-family", "sans-serif");
  if (kind === "high-contrast" || kind === "high-contrast-light") {
    const fg = cssVar(body, "--vscode-editor-foreground", kind === "high-contrast" ? "#ffffff" : "#000000");
    const bg = cssVar(body, "--vscode-editor-background", kind === "high-contrast" ? "#000000" : "#ffffff");
    const border = cssVar(body, "--vscode-contrastBorder", fg);
    return {
      theme: "base",
      themeVariables: { darkMode: kind === "high-contrast", background: bg, primaryColor: bg, primaryTextColor: fg, primaryBorderColor: border, lineColor: fg, textColor: fg, actorBkg: bg, actorBorder: border, actorTextColor: fg, signalColor: fg, signalTextColor: fg, noteBkgColor: bg, noteTextColor: fg, noteBorderColor: border, fontFamily: font },
    };
  }
  return { theme: kind === "dark" ? "dark" : "default", themeVariables: { fontFamily: font } };
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
