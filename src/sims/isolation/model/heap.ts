// PostgreSQL's heap as tuples rather than keys. Each row's versions are kept per key (oldest first,
// a delete as a version with no value), but PostgreSQL sees tuples: every version with a value is
// one tuple, stored at the next free line pointer of the page (its heap position), with an xmin
// (its writer) and an xmax (the writer of the next version of the key, if any). An update links
// the old tuple to the new one (t_ctid); a delete links nothing, so a key deleted and inserted again
// starts a new chain of tuples, reached through a new index entry. Visibility is decided per tuple,
// so a snapshot can see two tuples with one key (its own insert and an old tuple another
// transaction deleted after the snapshot).
import type { Plan } from "./plan";

/** What the heap needs of a row version (the engine's Version has more). */
export interface HeapVersion {
  readonly value: number | null; // null: the row was deleted
  /** The tuple's place in the heap page; none for a delete. */
  readonly pos?: number;
}

export interface Tuple<V extends HeapVersion = HeapVersion> {
  readonly id: number;
  readonly version: V;
  /** The next version of the key: an update's new tuple, or a delete (no value). */
  readonly next: V | undefined;
  /** The first tuple of this tuple's update chain: the one the index entry points to. */
  readonly root: V;
}

/** One update chain (HOT chain) of a key: the tuples an index entry leads to, oldest first. */
export type Chain<V extends HeapVersion = HeapVersion> = readonly Tuple<V>[];

/** A key's versions cut into update chains: a delete ends one, and the next insert starts another. */
export function chainsOf<V extends HeapVersion>(id: number, versions: readonly V[]): Chain<V>[] {
  const out: Tuple<V>[][] = [];
  let current: Tuple<V>[] | undefined;
  versions.forEach((version, i) => {
    if (version.value === null) {
      current = undefined;
      return;
    }
    if (!current) out.push((current = []));
    current.push({ id, version, next: versions[i + 1], root: current[0]?.version ?? version });
  });
  return out;
}

/** Where a scan enters the heap: a tuple (sequential scan) or an index entry's first tuple. */
export interface Entry<V extends HeapVersion = HeapVersion> {
  readonly id: number;
  readonly version: V;
}

/**
 * What a scan visits, in order. A sequential scan reads every tuple of the page by line pointer
 * (heap position); an index scan reads the key's index entries, which nbtree keeps in heap order
 * among equal keys; a bitmap scan collects the entries of every matching key and reads them in
 * heap order. Updates here are all HOT (the key never changes and the page has room), so the only
 * index entries are the first tuples of update chains.
 */
export function visitOrder<V extends HeapVersion>(plan: Plan, rows: ReadonlyMap<number, readonly V[]>): Entry<V>[] {
  const chains = [...rows].flatMap(([id, versions]) => chainsOf(id, versions));
  const byPos = (a: Entry<V>, b: Entry<V>) => a.version.pos! - b.version.pos!;
  if (plan.kind === "seq")
    return chains
      .flat()
      .map((t) => ({ id: t.id, version: t.version }))
      .sort(byPos);
  const wanted = plan.kind === "index" ? (id: number) => id === plan.key && plan.keys(id) : plan.keys;
  return chains
    .filter((c) => wanted(c[0]!.id))
    .map((c) => ({ id: c[0]!.id, version: c[0]!.version }))
    .sort(byPos);
}

/** The tuple an entry names as it is now, and with `follow` the rest of its update chain. */
export function chainAt<V extends HeapVersion>(rows: ReadonlyMap<number, readonly V[]>, entry: Entry<V>, follow: boolean): Chain<V> {
  const chain = chainsOf(entry.id, rows.get(entry.id) ?? []).find((c) => c.some((t) => t.version === entry.version));
  if (!chain) return [];
  const from = chain.slice(chain.findIndex((t) => t.version === entry.version));
  return follow ? from : from.slice(0, 1);
}

/** heap_hot_search_buffer: walk an update chain to the tuple the snapshot sees; every tuple on the way is examined. */
export function walk<V extends HeapVersion>(chain: Chain<V>, sees: (t: Tuple<V>) => boolean): { examined: Tuple<V>[]; found?: Tuple<V> } {
  const examined: Tuple<V>[] = [];
  for (const t of chain) {
    examined.push(t);
    if (sees(t)) return { examined, found: t };
  }
  return { examined };
}
