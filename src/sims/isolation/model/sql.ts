// The SQL of the isolation lab: the statements Hermitage's interleavings use, over one table
// test(id int primary key, value int). A small recursive-descent parser; every error names the
// offsets of the words it is about, so the cell can underline them. docs/isolation.md ("The SQL")
// lists the statements. A leaf: the scenario parses steps with it, the engine evaluates with it.

export type Level = "read uncommitted" | "read committed" | "repeatable read" | "serializable";
export const LEVELS: readonly Level[] = ["read uncommitted", "read committed", "repeatable read", "serializable"];

export type Expr =
  | { readonly kind: "num"; readonly value: number }
  | { readonly kind: "col"; readonly name: "id" | "value" }
  | { readonly kind: "bin"; readonly op: "+" | "-" | "*" | "/" | "%"; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "neg"; readonly expr: Expr };

export type Pred =
  | { readonly kind: "cmp"; readonly op: "=" | "<>" | "<" | ">" | "<=" | ">="; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "in"; readonly expr: Expr; readonly list: readonly Expr[]; readonly negated: boolean }
  | { readonly kind: "and" | "or"; readonly left: Pred; readonly right: Pred }
  | { readonly kind: "not"; readonly pred: Pred }
  | { readonly kind: "true" };

export type Statement =
  | { readonly kind: "begin" }
  | { readonly kind: "set-level"; readonly level: Level; readonly session: boolean }
  | { readonly kind: "select"; readonly where: Pred; readonly forUpdate?: "update" | "share" }
  | { readonly kind: "update"; readonly value: Expr; readonly where: Pred }
  | { readonly kind: "delete"; readonly where: Pred }
  | { readonly kind: "insert"; readonly rows: readonly (readonly [number, number])[] }
  | { readonly kind: "commit" }
  | { readonly kind: "rollback" };

export class SqlError extends Error {
  override readonly name = "SqlError";
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

interface Token {
  readonly text: string; // lower-cased for words
  readonly kind: "word" | "num" | "op" | "end";
  readonly start: number;
  readonly end: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      out.push({ text: src.slice(start, i).toLowerCase(), kind: "word", start, end: i });
    } else if (/[0-9]/.test(c)) {
      while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      out.push({ text: src.slice(start, i), kind: "num", start, end: i });
    } else {
      const two = src.slice(i, i + 2);
      const op = ["<>", "!=", "<=", ">="].includes(two) ? two : c;
      if (!"=<>+-*/%(),;".includes(op[0]!)) throw new SqlError(`Unexpected character "${c}".`, i, i + 1);
      i += op.length;
      out.push({ text: op === "!=" ? "<>" : op, kind: "op", start, end: i });
    }
  }
  out.push({ text: "", kind: "end", start: src.length, end: src.length });
  return out;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (t.kind !== "end") this.at++;
    return t;
  }
  is(text: string): boolean {
    return this.peek().text === text && this.peek().kind !== "num";
  }
  accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.next();
    return true;
  }
  fail(message: string, t: Token = this.peek()): never {
    const found = t.kind === "end" ? "the end of the statement" : `"${t.text}"`;
    throw new SqlError(`${message}, found ${found}.`, t.start, Math.max(t.end, t.start + 1));
  }
  expect(text: string, what = `"${text}"`): Token {
    if (!this.is(text)) this.fail(`Expected ${what}`);
    return this.next();
  }
  atEnd(): boolean {
    return this.peek().kind === "end";
  }

  statement(): Statement {
    const t = this.peek();
    switch (t.text) {
      case "begin":
      case "start": {
        this.next();
        if (t.text === "start") this.expect("transaction");
        else if (!this.accept("transaction")) this.accept("work");
        return { kind: "begin" };
      }
      case "set":
        return this.setLevel();
      case "select":
        return this.select();
      case "update":
        return this.update();
      case "delete":
        return this.delete();
      case "insert":
        return this.insert();
      case "commit":
        this.next();
        if (!this.accept("work")) this.accept("transaction");
        return { kind: "commit" };
      case "rollback":
      case "abort":
        this.next();
        if (!this.accept("work")) this.accept("transaction");
        return { kind: "rollback" };
      default:
        return this.fail("Expected a statement (begin, set transaction, select, update, delete, insert, commit or rollback)");
    }
  }

  setLevel(): Statement {
    this.expect("set");
    const session = this.accept("session");
    this.expect("transaction");
    this.expect("isolation");
    this.expect("level");
    const words: Token[] = [this.next()];
    if (["read", "repeatable"].includes(words[0]!.text)) words.push(this.next());
    const level = words.map((w) => w.text).join(" ");
    if (!(LEVELS as readonly string[]).includes(level)) {
      const message = `Unknown isolation level "${level}": use read uncommitted, read committed, repeatable read or serializable.`;
      throw new SqlError(message, words[0]!.start, words[words.length - 1]!.end);
    }
    return { kind: "set-level", level: level as Level, session };
  }

  table(): void {
    const t = this.peek();
    if (t.kind !== "word" || t.text !== "test") this.fail('Expected the table "test" (the lab has one table, test(id, value))');
    this.next();
  }

  where(): Pred {
    return this.accept("where") ? this.or() : { kind: "true" };
  }

  select(): Statement {
    this.expect("select");
    this.expect("*", '"*" (the lab selects whole rows)');
    this.expect("from");
    this.table();
    const where = this.where();
    if (this.accept("for")) {
      if (this.accept("update")) return { kind: "select", where, forUpdate: "update" };
      this.expect("share");
      return { kind: "select", where, forUpdate: "share" };
    }
    if (this.accept("lock")) {
      this.expect("in");
      this.expect("share");
      this.expect("mode");
      return { kind: "select", where, forUpdate: "share" };
    }
    return { kind: "select", where };
  }

  update(): Statement {
    this.expect("update");
    this.table();
    this.expect("set");
    const col = this.peek();
    if (col.text === "id") this.fail("The lab does not change ids; set value instead");
    this.expect("value", '"value"');
    this.expect("=");
    const value = this.expr();
    return { kind: "update", value, where: this.where() };
  }

  delete(): Statement {
    this.expect("delete");
    this.expect("from");
    this.table();
    return { kind: "delete", where: this.where() };
  }

  insert(): Statement {
    this.expect("insert");
    this.expect("into");
    this.table();
    this.expect("(");
    const first = this.expect("id", '"id"');
    void first;
    this.expect(",");
    this.expect("value", '"value"');
    this.expect(")");
    this.expect("values");
    const rows: [number, number][] = [];
    do {
      this.expect("(");
      const id = this.signedNumber();
      this.expect(",");
      const value = this.signedNumber();
      this.expect(")");
      rows.push([id, value]);
    } while (this.accept(","));
    return { kind: "insert", rows };
  }

  signedNumber(): number {
    const neg = this.accept("-");
    const t = this.peek();
    if (t.kind !== "num") this.fail("Expected a whole number");
    this.next();
    return (neg ? -1 : 1) * Number(t.text);
  }

  or(): Pred {
    let left = this.and();
    while (this.accept("or")) left = { kind: "or", left, right: this.and() };
    return left;
  }
  and(): Pred {
    let left = this.not();
    while (this.accept("and")) left = { kind: "and", left, right: this.not() };
    return left;
  }
  not(): Pred {
    if (this.accept("not")) return { kind: "not", pred: this.not() };
    return this.comparison();
  }
  comparison(): Pred {
    if (this.is("(") && this.looksLikeGroupedPredicate()) {
      this.next();
      const p = this.or();
      this.expect(")");
      return p;
    }
    const left = this.expr();
    const negated = this.is("not") && this.peek(1).text === "in" ? (this.next(), true) : false;
    if (this.accept("in")) {
      this.expect("(");
      const list = [this.expr()];
      while (this.accept(",")) list.push(this.expr());
      this.expect(")");
      return { kind: "in", expr: left, list, negated };
    }
    const op = this.peek();
    if (op.kind !== "op" || !["=", "<>", "<", ">", "<=", ">="].includes(op.text)) this.fail("Expected a comparison (=, <>, <, >, <=, >=) or in (…)");
    this.next();
    return { kind: "cmp", op: op.text as "=", left, right: this.expr() };
  }
  /** "(" starts a grouped predicate when a comparison or and/or appears before its ")". */
  looksLikeGroupedPredicate(): boolean {
    let depth = 0;
    for (let i = this.at; i < this.tokens.length; i++) {
      const t = this.tokens[i]!;
      if (t.text === "(") depth++;
      else if (t.text === ")") {
        depth--;
        if (depth === 0) return false;
      } else if (depth === 1 && ["=", "<>", "<", ">", "<=", ">=", "and", "or", "in", "not"].includes(t.text)) return true;
    }
    return false;
  }

  expr(): Expr {
    let left = this.term();
    while (this.is("+") || this.is("-")) {
      const op = this.next().text as "+" | "-";
      left = { kind: "bin", op, left, right: this.term() };
    }
    return left;
  }
  term(): Expr {
    let left = this.factor();
    while (this.is("*") || this.is("/") || this.is("%")) {
      const op = this.next().text as "*" | "/" | "%";
      left = { kind: "bin", op, left, right: this.factor() };
    }
    return left;
  }
  factor(): Expr {
    const t = this.peek();
    if (t.kind === "num") {
      this.next();
      return { kind: "num", value: Number(t.text) };
    }
    if (t.text === "-" && t.kind === "op") {
      this.next();
      return { kind: "neg", expr: this.factor() };
    }
    if (t.text === "(") {
      this.next();
      const e = this.expr();
      this.expect(")");
      return e;
    }
    if (t.kind === "word" && (t.text === "id" || t.text === "value")) {
      this.next();
      return { kind: "col", name: t.text };
    }
    if (t.kind === "word") this.fail('Unknown column: the table has "id" and "value"');
    return this.fail("Expected a number, id or value");
  }
}

/**
 * Parse one line of SQL: one or more statements separated by ";" (a trailing ";" is optional),
 * such as "begin; set transaction isolation level serializable;".
 */
export function parseStatements(src: string): Statement[] {
  const tokens = tokenize(src);
  const p = new Parser(tokens);
  const out: Statement[] = [];
  while (!p.atEnd()) {
    if (p.accept(";")) continue;
    out.push(p.statement());
    if (!p.atEnd() && !p.is(";")) p.fail('Expected ";" or the end of the statement');
  }
  if (out.length === 0) throw new SqlError("Expected a statement after the session name.", 0, Math.max(1, src.length));
  return out;
}

/** Integer arithmetic as SQL int does it: division truncates toward zero, % keeps the dividend's sign. */
export function evalExpr(e: Expr, row: { readonly id: number; readonly value: number }): number | null {
  switch (e.kind) {
    case "num":
      return e.value;
    case "col":
      return row[e.name];
    case "neg": {
      const v = evalExpr(e.expr, row);
      return v === null ? null : -v;
    }
    case "bin": {
      const l = evalExpr(e.left, row);
      const r = evalExpr(e.right, row);
      if (l === null || r === null) return null;
      switch (e.op) {
        case "+":
          return l + r;
        case "-":
          return l - r;
        case "*":
          return l * r;
        case "/":
          return r === 0 ? null : Math.trunc(l / r);
        case "%":
          return r === 0 ? null : l % r;
      }
    }
  }
}

export function matches(p: Pred, row: { readonly id: number; readonly value: number }): boolean {
  switch (p.kind) {
    case "true":
      return true;
    case "and":
      return matches(p.left, row) && matches(p.right, row);
    case "or":
      return matches(p.left, row) || matches(p.right, row);
    case "not":
      return !matches(p.pred, row);
    case "in": {
      const v = evalExpr(p.expr, row);
      const hit = v !== null && p.list.some((e) => evalExpr(e, row) === v);
      return p.negated ? !hit : hit;
    }
    case "cmp": {
      const l = evalExpr(p.left, row);
      const r = evalExpr(p.right, row);
      if (l === null || r === null) return false;
      switch (p.op) {
        case "=":
          return l === r;
        case "<>":
          return l !== r;
        case "<":
          return l < r;
        case ">":
          return l > r;
        case "<=":
          return l <= r;
        case ">=":
          return l >= r;
      }
    }
  }
}

/** The ids a predicate can only match, when it pins id to a list (id = 1, id in (1, 2)); else undefined. */
export function pinnedIds(p: Pred): number[] | undefined {
  if (p.kind === "cmp" && p.op === "=") {
    if (p.left.kind === "col" && p.left.name === "id" && p.right.kind === "num") return [p.right.value];
    if (p.right.kind === "col" && p.right.name === "id" && p.left.kind === "num") return [p.left.value];
  }
  if (p.kind === "in" && !p.negated && p.expr.kind === "col" && p.expr.name === "id" && p.list.every((e) => e.kind === "num")) {
    return [...new Set(p.list.map((e) => (e as { value: number }).value))].sort((a, b) => a - b);
  }
  return undefined;
}

/**
 * The keys InnoDB reads by unique search on the primary key: a pinning predicate, an `or` of them
 * (MySQL plans it as point ranges), or a conjunct of an `and` that is one (the rest a filter).
 */
export function lookupIds(p: Pred): number[] | undefined {
  const direct = pinnedIds(p);
  if (direct || (p.kind !== "and" && p.kind !== "or")) return direct;
  const l = lookupIds(p.left);
  const r = lookupIds(p.right);
  if (p.kind === "or") return l && r ? [...new Set([...l, ...r])].sort((a, b) => a - b) : undefined;
  return l && r ? l.filter((id) => r.includes(id)) : (l ?? r);
}
