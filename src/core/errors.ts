// Errors that reach the user. Each carries the place in the cell it is about, when known, so the
// notebook can point at the line and the command line can print it.

export interface SourceRange {
  /** Offsets into the cell text, [start, end). */
  readonly start: number;
  readonly end: number;
}

export interface LineCol {
  readonly line: number; // 1-based
  readonly column: number; // 1-based
}

/** A problem with what the user wrote: bad YAML, a wrong key, a value out of range. */
export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  constructor(
    message: string,
    readonly range?: SourceRange,
  ) {
    super(message);
  }
}

/** Thrown when a run is cancelled; never shown as a failure. */
export class CancelledError extends Error {
  override readonly name = "CancelledError";
  constructor() {
    super("The run was cancelled.");
  }
}

/** 1-based line and column of an offset in a text (CRLF counts as one line break). */
export function lineColAt(text: string, offset: number): LineCol {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

// Problems found in a scenario cell (reported by src/scenario, carried by src/protocol).
export type DiagnosticSeverity = "error" | "warning";

/** One replacement in a cell's text. */
export interface DiagnosticEdit {
  readonly range: SourceRange;
  readonly text: string;
}

export interface ScenarioDiagnostic {
  readonly message: string;
  readonly range: SourceRange;
  readonly severity: DiagnosticSeverity;
  /** Stable code, such as "unknown-key" or "yaml-syntax". */
  readonly code: string;
  /** Replacement text for the range that would fix the problem ("did you mean"). */
  readonly fix?: string;
  /** A fix that takes several edits (rewriting an old spelling), with what it does in words. */
  readonly edits?: readonly DiagnosticEdit[];
  readonly editsTitle?: string;
  /** A simulator whose schema accepts what this diagnostic is about: switching the cell to it fixes it. */
  readonly simulator?: string;
}
