// The PostgreSQL replication scenarios (test/support/replication-scenarios.ts) as replication cells:
// each scenario becomes the YAML of a `replication` cell, runs through the pipeline like any cell,
// and its tables `reads` and `lost writes` give, read by read, what the model shows. The unit test
// (test/unit/sims/replication-postgres.test.ts) holds them to the scenarios' expectations; the
// pg-replication tier holds them to what the real server showed.
//
// The mapping (also in docs/replication-server.md):
//
// | PostgreSQL                                   | replication cell                                                 |
// |----------------------------------------------|------------------------------------------------------------------|
// | primary                                      | the leader, `primary`                                            |
// | hot standby                                  | the one follower, `standby`, with `lagMs: 0` (WAL is sent at once) |
// | synchronous_commit = remote_apply            | `replication: sync`, `syncWaitsFor: applied`                     |
// | synchronous_commit = on (or remote_write)    | `replication: sync`, `syncWaitsFor: received`                    |
// | synchronous_commit = local or off            | `replication: async`                                             |
// | recovery_min_apply_delay                     | the follower's `applyDelayMs`                                    |
// | cut (the standby is cut off for good)        | the follower's `pauseAtMs` (no `resumeAtMs`): it receives nothing more |
// | promote                                      | `promote: { follower: standby, atMs }`, the old leader still running |
// | a write on the primary                       | a write by the one client, `c1`                                  |
// | a read on the primary / standby / new leader | a read `from: primary` / `from: standby` / `from: standby`      |
//
// Time: the steps run one after another, as the test runner does them. Consecutive operations are
// scheduled at the same virtual time, so each starts the moment the one before returns: a read
// "right after commit" comes right after the write's acknowledgement. A `wait`, a `cut` or a
// `promote` first lets the operations before it finish (a time budget per operation, generous for
// the network's 5–20 ms per message: WRITE_BUDGET_MS, plus the apply delay when the commit waits
// for the standby to apply it; READ_BUDGET_MS); a wait then adds its milliseconds.
import { runCell } from "../../src/engine/pipeline";
import type { ReplicationScenario, ReplicationStep } from "./replication-scenarios";

export const LEADER = "primary";
export const FOLLOWER = "standby";
export const CLIENT = "c1";
export const WRITE_BUDGET_MS = 100;
export const READ_BUDGET_MS = 50;

type ReadStep = Extract<ReplicationStep, { op: "read" }>;
type WriteStep = Extract<ReplicationStep, { op: "write" }>;

/** The replication settings a scenario's synchronous_commit stands for. */
export function replicationOf(s: ReplicationScenario): string[] {
  if (s.synchronousCommit === "remote_apply") return ["replication: sync", "syncWaitsFor: applied"];
  if (s.synchronousCommit === "on") return ["replication: sync", "syncWaitsFor: received"];
  return ["replication: async"];
}

interface Timed {
  /** Each write and read step with its virtual time, in step order. */
  readonly ops: { readonly step: WriteStep | ReadStep; readonly atMs: number }[];
  readonly cutAtMs: number | undefined;
  readonly promoteAtMs: number | undefined;
  readonly endMs: number;
}

/** Virtual times for a scenario's steps (see the header). */
export function timeline(s: ReplicationScenario): Timed {
  const ops: Timed["ops"] = [];
  let start = 0; // when the current run of back-to-back operations was scheduled
  let done = 0; // by when it has surely finished
  let cutAtMs: number | undefined;
  let promoteAtMs: number | undefined;
  const waitsForApply = s.synchronousCommit === "remote_apply";
  for (const step of s.steps) {
    if (step.op === "write" || step.op === "read") {
      ops.push({ step, atMs: start });
      done += step.op === "read" ? READ_BUDGET_MS : WRITE_BUDGET_MS + (waitsForApply ? s.applyDelayMs : 0);
    } else {
      const at = Math.max(1, done + (step.op === "wait" ? step.ms : 0));
      if (step.op === "cut") cutAtMs = at;
      if (step.op === "promote") promoteAtMs = at;
      // After a cut or a promotion, the next operation comes a millisecond later, once it has happened.
      start = done = step.op === "wait" ? at : at + 1;
    }
  }
  return { ops, cutAtMs, promoteAtMs, endMs: done };
}

/** The replication cell (YAML) that stands for a scenario. */
export function cellOf(s: ReplicationScenario): string {
  const t = timeline(s);
  const follower = [`name: ${FOLLOWER}`, "lagMs: 0", `applyDelayMs: ${s.applyDelayMs}`, ...(t.cutAtMs !== undefined ? [`pauseAtMs: ${t.cutAtMs}`] : [])];
  const ops = t.ops.map(({ step, atMs }) =>
    step.op === "write"
      ? `  - { atMs: ${atMs}, client: ${CLIENT}, write: ${step.key}, value: ${step.value} }`
      : `  - { atMs: ${atMs}, client: ${CLIENT}, read: ${step.key}, from: ${step.on === "primary" ? LEADER : FOLLOWER} }`,
  );
  return [
    `# ${s.name}`,
    ...replicationOf(s),
    `leader: ${LEADER}`,
    "followers:",
    `  - { ${follower.join(", ")} }`,
    "ops:",
    ...ops,
    ...(t.promoteAtMs !== undefined ? [`promote: { follower: ${FOLLOWER}, atMs: ${t.promoteAtMs} }`] : []),
    "timeoutMs: 60000",
    `untilMs: ${t.endMs + 60_000}`,
    "",
  ].join("\n");
}

export interface ModelRead {
  readonly step: ReadStep;
  readonly value: number | null;
  readonly replica: string;
  readonly atMs: number;
}

export interface ModelRun {
  readonly cell: string;
  readonly reads: readonly ModelRead[];
  /** The acknowledged writes the leader at the end does not have (the table `lost writes`). */
  readonly lost: readonly { readonly key: string; readonly value: number }[];
}

/** Runs a scenario's cell through the pipeline and reads its tables `reads` and `lost writes`. */
export function runModel(s: ReplicationScenario, seed = 1): ModelRun {
  const cell = cellOf(s);
  const r = runCell({ simulator: "replication", source: cell, seed });
  if (!r.ok) throw new Error(`${s.name}: the cell did not run: ${r.error.message}\n${cell}`);
  const table = (id: string) => {
    const t = r.output.tables.find((x) => x.id === id);
    if (!t) throw new Error(`${s.name}: no table "${id}"`);
    return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c, row[i]])) as Record<string, unknown>);
  };
  const steps = s.steps.filter((x): x is ReadStep => x.op === "read");
  const rows = table("reads");
  if (rows.length !== steps.length) throw new Error(`${s.name}: the model read ${rows.length} times, the scenario ${steps.length}`);
  const reads = steps.map((step, i) => ({
    step,
    value: rows[i]!.value as number | null,
    replica: String(rows[i]!.replica),
    atMs: rows[i]!["at (ms)"] as number,
  }));
  const lost = table("lost writes").map((w) => ({ key: String(w.key), value: w.value as number }));
  return { cell, reads, lost };
}

/**
 * The acknowledged writes a promoted standby does not have, from what was read on it: each key's
 * last write whose read on the new leader returned something else. `values` are the reads' values,
 * in step order (the scenario's expectations, or what the server returned).
 */
export function lostOnNewLeader(s: ReplicationScenario, values: readonly (number | null)[]): { key: string; value: number }[] {
  const reads = s.steps.filter((x): x is ReadStep => x.op === "read");
  const last = new Map<string, number>();
  for (const step of s.steps) if (step.op === "write") last.set(step.key, step.value);
  const lost: { key: string; value: number }[] = [];
  reads.forEach((r, i) => {
    if (r.on === "new leader" && values[i] !== last.get(r.key)) lost.push({ key: r.key, value: last.get(r.key)! });
  });
  return lost;
}

export interface Agreement {
  readonly compared: number;
  readonly agreed: number;
  readonly leftOut: number;
  /** One sentence per read where the model and the other side differ. */
  readonly disagreements: readonly string[];
}

/** Compares the model's reads with another side's (expectations or the server), read by read; reads left out on that side are left out here and counted. */
export function compareReads(
  s: ReplicationScenario,
  model: ModelRun,
  other: readonly { readonly value: number | null; readonly leftOut?: boolean }[],
): Agreement {
  let compared = 0;
  let agreed = 0;
  let leftOut = 0;
  const disagreements: string[] = [];
  model.reads.forEach((m, i) => {
    const o = other[i]!;
    if (o.leftOut) return void leftOut++;
    compared++;
    if (m.value === o.value) agreed++;
    else
      disagreements.push(
        `${s.name}: ${m.step.key} read on the ${m.step.on} ${m.step.when}: model ${String(m.value)} at ${m.atMs} ms, other side ${String(o.value)}`,
      );
  });
  return { compared, agreed, leftOut, disagreements };
}
