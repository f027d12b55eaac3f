// Replication against a real PostgreSQL: for each scenario of test/support/replication-scenarios.ts,
// a throwaway primary and hot standby (scripts/postgres.mjs) with the scenario's synchronous_commit
// and apply delay; the steps run on them and every read must return what the scenario says. What
// the server did is printed, one line per scenario, for the replication simulator to be held to.
//
// Timing: whether a standby sees a commit depends on the clock where the commit is not waited for:
// the standby applies it at its commit time plus recovery_min_apply_delay. Reads of the standby
// within BOUNDARY_MARGIN_MS of that moment (commit time from the primary's commit timestamp, read
// time from the standby's clock_timestamp(), one machine, one clock) are left out and counted. With
// remote_apply the commit itself waits for the apply, so no read can fall before that moment and the
// rule has nothing to leave out; there the commit's duration is checked instead.
//
// The model: after each scenario, the same scenario runs as a replication cell
// (test/support/replication-cells.ts) and every read the server answered must have the model's
// value; reads left out near the delay boundary are left out on both sides and counted. After a
// promotion, the acknowledged writes the new leader lacks must be those the model lists as lost.
// The tier's last lines say on how many reads of how many scenarios they agreed.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startReplicaSet, type ReplicaSet } from "../../scripts/postgres.mjs";
import { compareReads, lostOnNewLeader, runModel } from "../support/replication-cells";
import { BOUNDARY_MARGIN_MS, REPLICATION_SCENARIOS, type ReadMoment, type ReplicationScenario, type ReplicationStep } from "../support/replication-scenarios";

const running = new Set<ReplicaSet>();
let leftOutInAll = 0;
let timedInAll = 0;
const agreement = { scenarios: 0, reads: 0, agreed: 0, leftOut: 0, promotions: 0 };
const started = Date.now();

after(async () => {
  for (const set of running) await set.stop();
  console.log(
    `model and server agree on ${agreement.agreed} of ${agreement.reads} reads in ${agreement.scenarios} scenarios` +
      ` (${agreement.leftOut} left out near the delay boundary on both sides); the writes lost at promotion agree in ${agreement.promotions} scenarios`,
  );
  console.log(
    `pg-replication: ${scenarios.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s; ${leftOutInAll} of ${timedInAll} timed reads left out within ±${BOUNDARY_MARGIN_MS} ms of the delay boundary`,
  );
});

/** A WAL position ("16/B374D848") as a number that compares. */
function lsn(text: string | null): bigint | null {
  if (text === null) return null;
  const [hi, lo] = text.split("/");
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

interface Commit {
  /** The primary's commit timestamp, ms since the epoch. */
  readonly at: number;
  /** The primary's WAL insert position just before the commit record: the standby has received the commit once it holds WAL beyond it. */
  readonly beforeCommit: bigint;
  readonly tookMs: number;
  readonly waitsForApply: boolean;
}

interface ReadResult {
  readonly step: Extract<ReplicationStep, { op: "read" }>;
  readonly value: number | null;
  readonly received: boolean | undefined;
  /** Read time minus (commit time + apply delay), ms; undefined where the rule does not apply. */
  readonly marginMs: number | undefined;
  readonly leftOut: boolean;
}

class Run {
  readonly commits = new Map<string, Commit>();
  readonly reads: ReadResult[] = [];
  constructor(
    readonly scenario: ReplicationScenario,
    readonly set: ReplicaSet,
    readonly primary: pg.Client,
    readonly standby: pg.Client,
  ) {}

  async write(key: string, value: number, waitsForApply: boolean | undefined): Promise<void> {
    await this.primary.query("begin");
    const r = await this.primary.query("insert into kv (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value", [key, value]);
    assert.equal(r.rowCount, 1, `${key}: the upsert wrote one row`);
    const before = (await this.primary.query("select pg_current_wal_insert_lsn()::text as lsn")).rows[0].lsn as string;
    const t0 = performance.now();
    const c = await this.primary.query("commit");
    const tookMs = performance.now() - t0;
    assert.equal(c.command, "COMMIT", `${key}: the commit is acknowledged`);
    const at = (await this.primary.query("select extract(epoch from pg_xact_commit_timestamp(xmin))::float8 * 1000 as at from kv where key = $1", [key]))
      .rows[0].at as number;
    this.commits.set(key, { at, beforeCommit: lsn(before)!, tookMs, waitsForApply: waitsForApply ?? false });
    if (waitsForApply)
      assert.ok(
        tookMs >= this.scenario.applyDelayMs,
        `${this.scenario.name}: the commit of ${key} took ${tookMs.toFixed(0)} ms, less than the apply delay of ${this.scenario.applyDelayMs} ms`,
      );
  }

  async read(step: Extract<ReplicationStep, { op: "read" }>): Promise<void> {
    const client = step.on === "primary" ? this.primary : this.standby;
    const row = (
      await client.query(
        "select (select value from kv where key = $1) as value, extract(epoch from clock_timestamp())::float8 * 1000 as at, pg_last_wal_receive_lsn()::text as received",
        [step.key],
      )
    ).rows[0] as { value: number | null; at: number; received: string | null };
    const commit = this.commits.get(step.key);
    assert.ok(commit, `${step.key} was written before it is read`);
    const received = step.on === "standby" ? (lsn(row.received) ?? 0n) > commit.beforeCommit : undefined;
    const boundary = commit.at + this.scenario.applyDelayMs;
    // The rule applies to the standby while it follows, when commits do not wait for its apply; and to
    // the one read that claims to come before the delay ends.
    const timed = (step.on === "standby" && this.scenario.synchronousCommit !== "remote_apply") || step.beforeTheDelayEnds;
    const marginMs = timed ? row.at - boundary : undefined;
    const leftOut = marginMs !== undefined && Math.abs(marginMs) < BOUNDARY_MARGIN_MS;
    this.reads.push({ step, value: row.value, received, marginMs, leftOut });
    const where = `${this.scenario.name}: ${step.key} read on the ${step.on} ${step.when}`;
    if (process.env.DSNB_REPLICATION_DEBUG) console.log(`${where}: ${JSON.stringify({ value: row.value, received, marginMs, leftOut })}`);
    if (leftOut) return;
    assert.equal(row.value, step.expect, `${where}${marginMs === undefined ? "" : ` (${marginMs.toFixed(0)} ms from the delay boundary)`}`);
    if (step.received !== undefined) assert.equal(received, step.received, `${where}: whether the standby had received the commit's WAL`);
    if (step.beforeTheDelayEnds) assert.ok(marginMs! < 0, `${where}: came ${marginMs!.toFixed(0)} ms after the apply delay had ended`);
  }

  async step(s: ReplicationStep): Promise<void> {
    switch (s.op) {
      case "write":
        return this.write(s.key, s.value, s.waitsForApply);
      case "read":
        return this.read(s);
      case "wait":
        return new Promise((r) => setTimeout(r, s.ms));
      case "cut":
        await this.set.cutOff();
        assert.equal((await this.primary.query("select count(*)::int as n from pg_stat_replication")).rows[0].n, 0, "the primary has no WAL sender left");
        return;
      case "promote":
        await this.set.promote();
        assert.equal((await this.standby.query("select pg_is_in_recovery() as r")).rows[0].r, false, "the promoted standby has left recovery");
        return;
    }
  }

  /** Holds the model to what this server did, read by read, and to the writes lost at promotion. */
  compareWithModel(): void {
    const model = runModel(this.scenario);
    const a = compareReads(this.scenario, model, this.reads);
    assert.deepEqual(a.disagreements, [], `${this.scenario.name}: the model and the server disagree\n${model.cell}`);
    agreement.scenarios++;
    agreement.reads += a.compared;
    agreement.agreed += a.agreed;
    agreement.leftOut += a.leftOut;
    if (!this.scenario.steps.some((s) => s.op === "promote")) return;
    const uncertain = new Set(this.reads.filter((r) => r.leftOut).map((r) => r.step.key));
    const lost = lostOnNewLeader(
      this.scenario,
      this.reads.map((r) => r.value),
    ).filter((w) => !uncertain.has(w.key));
    const modelLost = model.lost.filter((w) => !uncertain.has(w.key));
    const sorted = (ws: readonly { key: string; value: number }[]) => [...ws].sort((x, y) => (x.key < y.key ? -1 : 1));
    assert.deepEqual(sorted(modelLost), sorted(lost), `${this.scenario.name}: writes lost at promotion, model against server`);
    agreement.promotions++;
  }

  summary(): string {
    const groups = new Map<string, ReadResult[]>();
    for (const r of this.reads.filter((x) => x.step.on !== "primary")) {
      const k = `${r.step.on}|${r.step.when}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const moment = (w: ReadMoment) => (w === "after commit" ? "right after commit" : w);
    const parts = [...groups.values()].map((rs) => {
      const counted = rs.filter((r) => !r.leftOut);
      const seen = counted.filter((r) => r.value !== null);
      const keys = rs[0]!.step.on === "new leader" ? ` (has ${seen.map((r) => r.step.key).join(", ") || "none"})` : "";
      const withWal = counted.filter((r) => r.received !== undefined);
      const wal = withWal.length ? `, had received its WAL in ${withWal.filter((r) => r.received).length}` : "";
      return `the ${rs[0]!.step.on} saw the write in ${seen.length} of ${counted.length} reads ${moment(rs[0]!.step.when)}${keys}${wal}`;
    });
    const waited = [...this.commits.values()].filter((c) => c.waitsForApply);
    if (waited.length)
      parts.push(`commits took ${Math.min(...waited.map((c) => c.tookMs)).toFixed(0)}–${Math.max(...waited.map((c) => c.tookMs)).toFixed(0)} ms`);
    for (const r of this.reads.filter((x) => x.step.beforeTheDelayEnds && !x.leftOut))
      parts.push(`${r.step.key} read on the ${r.step.on} ${(-r.marginMs!).toFixed(0)} ms before its apply delay would have ended`);
    const left = this.reads.filter((r) => r.leftOut).length;
    return `${this.scenario.name}: ${parts.join("; ")}; ${left} read${left === 1 ? "" : "s"} left out near the delay boundary`;
  }
}

/** DSNB_REPLICATION_ONLY=text runs only the scenarios whose name contains it; DSNB_REPLICATION_DEBUG=1 prints every read. */
const scenarios = REPLICATION_SCENARIOS.filter((s) => !process.env.DSNB_REPLICATION_ONLY || s.name.includes(process.env.DSNB_REPLICATION_ONLY));

/** Scenarios run two at a time, each on its own pair of servers: most of a scenario's time is spent waiting. */
const WORKERS = Number(process.env.DSNB_REPLICATION_WORKERS ?? 2);

describe("replication on a PostgreSQL primary and hot standby", { concurrency: WORKERS }, () => {
  for (const scenario of scenarios) {
    test(`${scenario.name}: ${scenario.facts.join(" ")}`, async () => {
      const set = await startReplicaSet({
        applyDelayMs: scenario.applyDelayMs,
        synchronousCommit: scenario.synchronousCommit,
        setup: "create table kv (key text primary key, value int)",
      });
      running.add(set);
      const primary = new pg.Client(set.primary);
      const standby = new pg.Client(set.standby);
      try {
        await primary.connect();
        await standby.connect();
        assert.equal((await standby.query("select pg_is_in_recovery() as r")).rows[0].r, true, "the standby is a hot standby in recovery");
        assert.equal((await primary.query("show synchronous_commit")).rows[0].synchronous_commit, scenario.synchronousCommit);
        const run = new Run(scenario, set, primary, standby);
        for (const s of scenario.steps) await run.step(s);
        leftOutInAll += run.reads.filter((r) => r.leftOut).length;
        timedInAll += run.reads.filter((r) => r.marginMs !== undefined).length;
        console.log(run.summary());
        run.compareWithModel();
      } finally {
        await primary.end().catch(() => {});
        await standby.end().catch(() => {});
        set.stop();
        running.delete(set);
      }
    });
  }
});
