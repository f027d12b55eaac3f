// A read-only HTTP server over the repository on 127.0.0.1, for pages that load our bundles as a
// browser would (module imports and Web Workers need http:, not file:). `/` is a blank page;
// `pages` adds others (path → HTML).
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import type { AddressInfo } from "node:net";

const TYPES: Record<string, string> = { ".js": "text/javascript", ".html": "text/html", ".json": "application/json", ".css": "text/css", ".csv": "text/csv" };
const BLANK = "<!doctype html><body class='vscode-light'><div id='out'></div></body>";

export interface StaticServer {
  readonly url: string;
  close(): void;
}

export function serveRepository(root: string, pages: Record<string, string> = {}): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(root, path);
    const page = path === "/" ? BLANK : pages[path];
    if (page !== undefined) res.writeHead(200, { "content-type": "text/html" }).end(page);
    else if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" }).end(readFileSync(file));
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => ok({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() })),
  );
}
