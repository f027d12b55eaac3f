// The versioned view of a history that the session checks read: which write created each version
// of each key, which reads returned which version, and which reads were answered together.
import { mayWrite, validateHistory, type Operation, type ReadOp } from "./history";

export type VersionedRead = ReadOp & { readonly version: number };
export type VersionedWrite = Operation & { readonly version: number };

/** The history's versioned reads and writes, indexed the ways the checks look them up. */
export class Versions {
  readonly reads: VersionedRead[];
  readonly writes: VersionedWrite[];
  private readonly byKey = new Map<string, Map<number, VersionedWrite>>();
  private readonly sorted = new Map<string, readonly VersionedWrite[]>();

  constructor(readonly history: readonly Operation[]) {
    validateHistory(history);
    this.reads = history.filter((o): o is VersionedRead => o.kind === "read" && o.version !== undefined);
    this.writes = history.filter((o): o is VersionedWrite => mayWrite(o) && o.version !== undefined);
    for (const w of this.writes) {
      if (!(w.version > 0)) throw new Error(`Write ${w.id} has version ${w.version}; versions of writes start at 1.`);
      const versions = this.byKey.get(w.key) ?? new Map<number, VersionedWrite>();
      if (versions.has(w.version)) throw new Error(`Writes ${versions.get(w.version)!.id} and ${w.id} both created version ${w.version} of ${w.key}.`);
      versions.set(w.version, w);
      this.byKey.set(w.key, versions);
    }
    for (const r of this.reads) {
      if (r.version !== 0 && !this.write(r.key, r.version))
        throw new Error(`Read ${r.id} returned version ${r.version} of ${r.key}, which no write in the history created.`);
    }
  }

  /** The write that created this version of the key. */
  write(key: string, version: number): VersionedWrite | undefined {
    return this.byKey.get(key)?.get(version);
  }

  /** The key's writes, by version. */
  writesOf(key: string): readonly VersionedWrite[] {
    let out = this.sorted.get(key);
    if (!out) {
      out = [...(this.byKey.get(key)?.values() ?? [])].sort((a, b) => a.version - b.version);
      this.sorted.set(key, out);
    }
    return out;
  }

  /** The write of the key with the highest version below `version`. */
  below(key: string, version: number): VersionedWrite | undefined {
    const ws = this.writesOf(key);
    let lo = 0;
    let hi = ws.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ws[mid]!.version < version) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? ws[lo - 1] : undefined;
  }

  /** Reads answered from one state together, by group. */
  groups(): VersionedRead[][] {
    const out = new Map<number, VersionedRead[]>();
    for (const r of this.reads) if (r.group !== undefined) out.set(r.group, [...(out.get(r.group) ?? []), r]);
    return [...out.values()].filter((g) => new Set(g.map((r) => r.key)).size > 1);
  }
}
