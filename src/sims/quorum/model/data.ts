// What a replica stores: versions of a key, each made by one write at its coordinator. Under
// last-writer-wins a replica keeps the version with the highest (timestamp, coordinator, write) and
// drops the others; under version vectors it keeps every version no other one descends from
// (siblings), and a version whose vector descends from others replaces them.
import { murmur3 } from "../../../core/hash/murmur3";
import type { Conflicts } from "../scenario";

export interface Version {
  readonly value: number;
  /** The coordinator's wall-clock time when it made the version (last-writer-wins). */
  readonly ts: number;
  readonly coord: string;
  /** The write (its operation id) that made it. */
  readonly op: number;
  /** The version vector (version-vectors mode): writes seen per coordinator. */
  readonly vv: Readonly<Record<string, number>>;
}

/** a is newer than b under last-writer-wins. */
export function lwwNewer(a: Version, b: Version): boolean {
  return a.ts !== b.ts ? a.ts > b.ts : a.coord !== b.coord ? a.coord > b.coord : a.op > b.op;
}

/** Every entry of b is at most a's: a has seen everything b has. */
export function descends(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  for (const [k, n] of Object.entries(b)) if ((a[k] ?? 0) < n) return false;
  return true;
}

export function mergeVv(vs: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of vs) for (const [k, n] of Object.entries(v)) out[k] = Math.max(out[k] ?? 0, n);
  return out;
}

export interface Applied {
  readonly kept: readonly Version[];
  /** Last-writer-wins: an incoming version that lost to the one held (dropped silently). */
  readonly dropped?: { readonly version: Version; readonly winner: Version };
  readonly changed: boolean;
}

/** The versions a replica holds after receiving `incoming`. */
export function apply(mode: Conflicts, held: readonly Version[], incoming: readonly Version[]): Applied {
  let kept = [...held];
  let changed = false;
  let dropped: Applied["dropped"];
  for (const v of incoming) {
    if (kept.some((k) => k.op === v.op)) continue;
    if (mode === "lww") {
      const cur = kept[0];
      if (!cur || lwwNewer(v, cur)) {
        kept = [v];
        changed = true;
      } else dropped ??= { version: v, winner: cur };
      continue;
    }
    if (kept.some((k) => descends(k.vv, v.vv))) continue;
    kept = [...kept.filter((k) => !descends(v.vv, k.vv)), v];
    changed = true;
  }
  return { kept, changed, ...(dropped ? { dropped } : {}) };
}

/** The versions a read resolves its replies to: the newest (last-writer-wins), or every sibling. */
export function resolveReplies(mode: Conflicts, replies: readonly (readonly Version[])[]): Version[] {
  return [...apply(mode, [], replies.flat()).kept].sort((a, b) => a.op - b.op);
}

export const sameVersions = (a: readonly Version[], b: readonly Version[]) => a.length === b.length && a.every((v) => b.some((x) => x.op === v.op));

/** How a version is shown: "1 @110" or "1 [n1:1, n2:1]". */
export function showVersion(mode: Conflicts, v: Version): string {
  if (mode === "lww") return `${v.value} @${v.ts}`;
  const vv = Object.entries(v.vv)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, n]) => `${k}:${n}`)
    .join(", ");
  return `${v.value} [${vv}]`;
}

export const showVersions = (mode: Conflicts, vs: readonly Version[]) => (vs.length ? vs.map((v) => showVersion(mode, v)).join(" / ") : "—");

/** A key's preference list: every node, clockwise from the one its hash lands on. */
export function ring(key: string, names: readonly string[]): string[] {
  const home = murmur3(key) % names.length;
  return names.map((_, i) => names[(home + i) % names.length]!);
}

export interface Placement {
  /** Nodes asked, in order. */
  readonly targets: readonly string[];
  /** Stand-ins: target → the preferred node it holds a hint for. */
  readonly hintFor: ReadonlyMap<string, string>;
}

/**
 * Where a write or read of `key` goes: the first N nodes of its preference list (strict), or the
 * first N of them that are up, each down one replaced by the next node up the ring (sloppy).
 */
export function place(key: string, names: readonly string[], n: number, sloppy: boolean, isUp: (node: string) => boolean): Placement {
  const list = ring(key, names);
  const preferred = list.slice(0, n);
  if (!sloppy) return { targets: preferred, hintFor: new Map() };
  const down = preferred.filter((p) => !isUp(p));
  const standIns = list.slice(n).filter(isUp).slice(0, down.length);
  const hintFor = new Map(standIns.map((s, i) => [s, down[i]!]));
  return { targets: [...preferred.filter(isUp), ...standIns], hintFor };
}
