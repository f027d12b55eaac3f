// The dsnb command line: runs notebooks outside VS Code through the same pipeline.
//   dsnb run <file.dsnb>… [--markdown|--json]   run every cell, print a summary of each
//   (or the full Markdown fallback, or the outputs as JSON)
//   dsnb test <files or folders>…       run every cell and check its expectations
//   dsnb export <file> --to md|html [-o out]   the notebook with its results
// Exit codes: 0 all good, 1 a cell failed (or an expectation did not hold), 2 a file could not be read.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { exportHtml, exportMarkdown } from "./export";
import { parseArgs } from "node:util";
import { toMarkdown } from "../present/markdown";
import type { RunOutput } from "../protocol/output";
import { cellReports, readNotebook as readNotebookBytes, reportJson, runNotebook, runsDocument, type CellReport } from "../engine/notebook";
import { folderFiles } from "../host/node/files";

const USAGE = `Usage: dsnb run <file.dsnb>... [--markdown | --json]
       dsnb test <file.dsnb or folder>...
       dsnb export <file.dsnb> --to md|html [-o <out>]

run    Runs every scenario cell of each notebook and prints a short summary of each: where the
       cell is (file:line), its verdict, its findings one per line, and its expectations.
       --markdown  print each cell's full result instead: Markdown with mermaid fences and tables
       --json      print each cell's output as JSON (one document for all files)
test   Runs every scenario cell of each notebook (folders are searched for .dsnb files) and
       checks the expectations the cells state; prints one line per cell and a summary.
export Writes the notebook with every cell's results: --to md gives Markdown with mermaid
       fences and tables (GitHub renders them); --to html gives one self-contained page with
       the diagrams and charts drawn as SVG (needs Chromium). Default output: next to the
       file, with the new extension; -o - prints to standard output.
Problems in a cell are reported at their place in the file, as file:line:column.
Exit code: 0 when every cell ran (and every expectation held), 1 when a cell failed,
2 when a file could not be read.`;

/** Run every scenario cell of a notebook's text. */
export function runNotebookFile(file: string, bytes: Uint8Array): { reports: CellReport[]; problems: readonly string[] } {
  const nb = readNotebookBytes(bytes);
  const runs = runNotebook(nb, { baseDir: dirname(resolve(file)), files: folderFiles });
  return { reports: cellReports(file, runs), problems: nb.meta.problems };
}

/** How a cell is named in reports: its id, or its position among the notebook's cells. */
function cellName(r: CellReport): string {
  return `${r.id ?? `cell ${r.cell}`} (${r.simulator})`;
}

/** A place in the file for a line and column of a cell's text: the text starts on the line after the fence. */
function filePosition(r: CellReport, line: number, column: number): string {
  return `${r.file}:${r.line + line}:${column}`;
}

/**
 * A failed cell, one line per problem, each at its place in the file (file:line:column, which
 * editors and terminals open), or at the fence when the failure is not about a place in the cell.
 */
export function failureLines(r: CellReport): string[] {
  if (r.result.ok) return [];
  const { problems, message } = r.result.error;
  if (!problems?.length) return [`✖ ${r.file}:${r.line} ${cellName(r)}: ${message}`];
  return problems.map((p) => `✖ ${filePosition(r, p.line, p.column)} ${cellName(r)}: ${p.message}`);
}

const VERDICT_WORD = { true: "Passed", false: "Violated", unknown: "Undecided" } as const;

/** A cell's result in a few plain lines: no Markdown and no Mermaid text, so nothing to unescape. */
export function summaryLines(r: CellReport, o: RunOutput): string[] {
  const lines = [`${r.file}:${r.line} ${cellName(r)}, seed ${o.seed}: ${o.title}`];
  lines.push(`  ${VERDICT_WORD[String(o.verdict.valid) as keyof typeof VERDICT_WORD]}: ${o.verdict.summary}`);
  for (const f of o.verdict.findings) lines.push(`  - ${f.severity} ${f.code}: ${f.title}${/[.!?]$/.test(f.title) ? "" : "."} ${f.explanation}`);
  const expectations = o.expectations ?? [];
  if (expectations.length > 0) {
    const held = expectations.filter((e) => e.ok).length;
    lines.push(`  Expectations: ${held} of ${expectations.length} held`);
    for (const e of expectations.filter((x) => !x.ok)) lines.push(`  ✖ expected ${e.expectation}, got ${e.actual}`);
  }
  return lines;
}

type Format = "summary" | "markdown" | "json";

function readNotebook(file: string, err: (s: string) => void): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    err(`dsnb: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}\n`);
    return undefined;
  }
}

function runCommand(files: readonly string[], format: Format, out: (s: string) => void, err: (s: string) => void): number {
  let exit = 0;
  const json: unknown[] = [];
  for (const file of files) {
    const bytes = readNotebook(file, err);
    if (!bytes) {
      exit = 2;
      continue;
    }
    const { reports, problems } = runNotebookFile(file, bytes);
    for (const p of problems) err(`${file}: warning: ${p}\n`);
    for (const r of reports) {
      if (format === "json") json.push(reportJson(r));
      if (!r.result.ok) {
        exit = Math.max(exit, 1);
        err(failureLines(r).join("\n") + "\n");
      } else if (format === "summary") out(summaryLines(r, r.result.output).join("\n") + "\n\n");
      else if (format === "markdown") out(`<!-- ${r.file}:${r.line} ${cellName(r)} -->\n\n${toMarkdown(r.result.output)}\n`);
    }
    if (format !== "json" && reports.length === 0) out(`${file}: no scenario cells\n`);
  }
  if (format === "json") out(runsDocument(json));
  return exit;
}

export async function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        markdown: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        to: { type: "string" },
        out: { type: "string", short: "o" },
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [command, ...files] = parsed.positionals;
  if (parsed.values.help || !command) {
    out(`${USAGE}\n`);
    return command || parsed.values.help ? 0 : 2;
  }
  if (command === "export") return exportCommand(files, parsed.values.to, parsed.values.out, out, err);
  if (command !== "run" && command !== "test") {
    err(`Unknown command "${command}".\n\n${USAGE}\n`);
    return 2;
  }
  if (files.length === 0) {
    err(`dsnb ${command}: name at least one ${command === "test" ? ".dsnb file or folder" : ".dsnb file"}.\n\n${USAGE}\n`);
    return 2;
  }
  if (command === "test") return testCommand(files, out, err);
  if (parsed.values.json && parsed.values.markdown) {
    err(`dsnb run: choose one of --markdown and --json.\n\n${USAGE}\n`);
    return 2;
  }
  return runCommand(files, parsed.values.json ? "json" : parsed.values.markdown ? "markdown" : "summary", out, err);
}

/** The .dsnb files named, with folders searched recursively (sorted, so output is stable). */
function collectNotebooks(paths: readonly string[], err: (s: string) => void): { files: string[]; unreadable: number } {
  const files: string[] = [];
  let unreadable = 0;
  const walk = (p: string, top: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      err(`dsnb: cannot read ${p}: no such file or folder\n`);
      unreadable++;
      return;
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) if (e !== "node_modules" && !e.startsWith(".")) walk(join(p, e), false);
    } else if (top || p.endsWith(".dsnb")) files.push(p);
  };
  for (const p of paths) walk(p, true);
  return { files, unreadable };
}

function testCommand(paths: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  const { files, unreadable } = collectNotebooks(paths, err);
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const bytes = readNotebook(file, err);
    if (!bytes) {
      failed++;
      continue;
    }
    const { reports, problems } = runNotebookFile(file, bytes);
    for (const p of problems) err(`${file}: warning: ${p}\n`);
    for (const r of reports) {
      if (!r.result.ok) {
        failed++;
        out(failureLines(r).join("\n") + "\n");
        continue;
      }
      const where = `${r.file}:${r.line} ${cellName(r)}`;
      const misses = (r.result.output.expectations ?? []).filter((e) => !e.ok);
      const count = r.result.output.expectations?.length ?? 0;
      if (misses.length) {
        failed++;
        out(`✖ ${where}: ${misses.map((m) => `expected ${m.expectation}, got ${m.actual}`).join("; ")}\n`);
      } else {
        passed++;
        out(`✔ ${where}: ${count ? `${count} expectation${count === 1 ? "" : "s"} held` : "ran (no expectations stated)"}\n`);
      }
    }
  }
  out(`\n${passed} passed, ${failed} failed\n`);
  if (unreadable > 0) return 2;
  return failed > 0 ? 1 : 0;
}

async function exportCommand(
  files: readonly string[],
  to: string | undefined,
  outPath: string | undefined,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (files.length !== 1 || (to !== "md" && to !== "html")) {
    err(`dsnb export: name one .dsnb file and --to md or --to html.\n\n${USAGE}\n`);
    return 2;
  }
  const file = files[0]!;
  const bytes = readNotebook(file, err);
  if (!bytes) return 2;
  const target = outPath ?? file.replace(/\.dsnb$/i, "") + (to === "md" ? ".md" : ".html");
  let text: string;
  try {
    const folder = dirname(resolve(file));
    if (to === "md") text = exportMarkdown(bytes, folder);
    else {
      const r = await exportHtml(bytes, basename(file), folder);
      if (r.errors > 0) err(`dsnb export: ${r.errors} diagram or chart could not be drawn; see the page.\n`);
      text = r.html;
    }
  } catch (e) {
    err(`dsnb export: ${(e as Error).message}\n`);
    return 1;
  }
  if (target === "-") out(text);
  else {
    writeFileSync(target, text);
    err(`dsnb export: wrote ${target}\n`);
  }
  return 0;
}

if (require.main === module)
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
