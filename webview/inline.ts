// Findings are written in a small Markdown subset: `code`, *emphasis* and **strong**. They are
// parsed with marked's inline lexer (Mermaid already bundles marked) and built as DOM nodes with
// textContent, so no string from a notebook is ever parsed as HTML: raw HTML shows as text, and a
// link shows its words only.
import { Lexer, type Token } from "marked";

function append(parent: HTMLElement, tokens: readonly Token[]): void {
  const doc = parent.ownerDocument;
  for (const t of tokens) {
    switch (t.type) {
      case "codespan": {
        const code = doc.createElement("code");
        code.textContent = decode(t.text);
        parent.append(code);
        break;
      }
      case "em":
      case "strong":
      case "del": {
        const node = doc.createElement(t.type === "del" ? "s" : t.type);
        append(node, "tokens" in t && t.tokens ? t.tokens : []);
        parent.append(node);
        break;
      }
      case "link":
        append(parent, "tokens" in t && t.tokens ? t.tokens : []);
        break;
      case "br":
        parent.append(doc.createElement("br"));
        break;
      case "html":
        parent.append(doc.createTextNode(t.raw));
        break;
      default:
        parent.append(doc.createTextNode(decode("text" in t && typeof t.text === "string" ? t.text : t.raw)));
    }
  }
}

/** marked leaves the few entities it writes itself in token text; show them as characters. */
function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e]!);
}

/** Append `markdown` (the inline subset above) to `parent` as DOM nodes. */
export function appendInline(parent: HTMLElement, markdown: string): void {
  append(parent, Lexer.lexInline(markdown));
}
