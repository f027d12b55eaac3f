// The replication simulator against PostgreSQL's facts, without a server: each scenario of
// test/support/replication-scenarios.ts, run as a replication cell (test/support/replication-cells.ts),
// must show every read the value the scenario expects (the very values the pg-replication tier
// checks on a real primary and standby), and name as lost exactly the acknowledged writes the
// promoted standby does not have. Several seeds: the agreement must not hang on one draw of the
// network's delays.
import { test } from "node:test";
import assert from "node:assert/strict";
import { REPLICATION_SCENARIOS, type ReplicationStep } from "../../support/replication-scenarios";
import { cellOf, compareReads, FOLLOWER, LEADER, lostOnNewLeader, runModel } from "../../support/replication-cells";

const SEEDS = [1, 2, 3, 4, 5];
const expectations = (steps: readonly ReplicationStep[]) => steps.filter((x) => x.op === "read").map((x) => ({ value: x.expect }));
const byKey = (ws: readonly { key: string; value: number }[]) => [...ws].sort((a, b) => (a.key < b.key ? -1 : 1));

for (const scenario of REPLICATION_SCENARIOS) {
  test(`the model agrees with PostgreSQL: ${scenario.name}`, () => {
    for (const seed of SEEDS) {
      const model = runModel(scenario, seed);
      const where = `seed ${seed}\n${model.cell}`;
      const a = compareReads(scenario, model, expectations(scenario.steps));
      assert.deepEqual(a.disagreements, [], where);
      assert.equal(a.agreed, a.compared, where);
      for (const r of model.reads) assert.equal(r.replica, r.step.on === "primary" ? LEADER : FOLLOWER, `${where}: who answered`);
      assert.deepEqual(
        byKey(model.lost),
        byKey(
          lostOnNewLeader(
            scenario,
            expectations(scenario.steps).map((e) => e.value),
          ),
        ),
        `${where}: lost writes`,
      );
    }
  });
}

test("every scenario is compared read by read, and the promotions lose writes in the model too", () => {
  const reads = REPLICATION_SCENARIOS.reduce((n, s) => n + s.steps.filter((x) => x.op === "read").length, 0);
  const agreed = REPLICATION_SCENARIOS.reduce((n, s) => n + compareReads(s, runModel(s), expectations(s.steps)).agreed, 0);
  assert.equal(agreed, reads);
  const promoted = REPLICATION_SCENARIOS.filter((s) => s.steps.some((x) => x.op === "promote"));
  assert.equal(promoted.length, 3);
  for (const s of promoted) assert.ok(runModel(s).lost.length > 0, `${s.name}: acknowledged writes are lost`);
});

test("the mapping: PostgreSQL's settings as the cell's options", () => {
  const cell = (name: string) => cellOf(REPLICATION_SCENARIOS.find((s) => s.name.startsWith(name))!);
  assert.match(cell("remote_apply"), /replication: sync\nsyncWaitsFor: applied\n/);
  assert.match(cell("on,"), /replication: sync\nsyncWaitsFor: received\n/);
  assert.match(cell("local,"), /replication: async\n/);
  assert.match(cell("off,"), /applyDelayMs: 1500/);
  assert.match(cell("local: cut"), /pauseAtMs: \d+ }/);
  assert.match(cell("local, apply delay 3000"), /promote: \{ follower: standby, atMs: \d+ \}/);
});
