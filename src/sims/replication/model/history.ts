// The clients' history as the consistency checker reads it (src/core/consistency): one operation per
// key a client wrote or read, with its call and return times and its version, the log position of
// the write (made unique across epochs). A read of several keys at once is one read group.
import type { Operation } from "../../../core/consistency";
import { versionOf, type OpRecord, type ReplicationRun } from "./types";

/** Ids in the history: the operation's number times this, plus the key's index in a multi-key read. */
export const KEY_SLOTS = 8;

/** The client operation behind a history id. */
export function recordOf(run: ReplicationRun, id: number): OpRecord | undefined {
  return run.ops[Math.floor(id / KEY_SLOTS) - 1];
}

export function historyOf(run: ReplicationRun): Operation[] {
  const out: Operation[] = [];
  for (const r of run.ops) {
    const base = { client: r.client, call: r.callMs };
    if (r.kind === "write") {
      const version = r.lsn !== undefined && r.epoch !== undefined ? versionOf({ epoch: r.epoch, lsn: r.lsn }) : undefined;
      out.push({
        ...base,
        id: r.id * KEY_SLOTS,
        kind: "write",
        key: r.keys[0]!,
        value: r.value!,
        ...(r.outcome === "ok" ? { ret: r.retMs! } : {}),
        ...(version !== undefined ? { version } : {}),
      });
      continue;
    }
    r.keys.forEach((key, i) => {
      const v = r.outcome === "ok" ? r.values?.find((x) => x.key === key) : undefined;
      out.push({
        ...base,
        id: r.id * KEY_SLOTS + i,
        kind: "read",
        key,
        ...(v ? { value: v.value, version: v.version, ret: r.retMs! } : {}),
        ...(r.keys.length > 1 ? { group: r.id } : {}),
      });
    });
  }
  return out;
}

/** Writes acknowledged to a client that the log of the leader the run ended with does not hold. */
export function lostWrites(run: ReplicationRun): OpRecord[] {
  const log = run.logs[run.finalLeader]!;
  return run.ops.filter((r) => r.kind === "write" && r.outcome === "ok" && r.lsn !== undefined && log[r.lsn - 1]?.op !== r.id);
}
