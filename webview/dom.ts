// Small DOM helpers for the renderer: elements with text (never markup) and vscode-elements buttons.

export function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A vscode-elements button (a plain element until the custom element is defined). */
export function button(doc: Document, className: string, text: string, label: string, onClick?: () => void): HTMLElement {
  const b = doc.createElement("vscode-button");
  b.className = className;
  b.setAttribute("secondary", "");
  b.setAttribute("aria-label", label);
  b.title = label;
  b.textContent = text;
  if (onClick) b.addEventListener("click", onClick);
  return b;
}
