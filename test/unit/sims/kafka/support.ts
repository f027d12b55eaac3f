// Runs Kafka cells for the tests: the whole pipeline (findings and metrics as a learner sees them), or
// the model alone from the same YAML (the run's logs, sends and commits).
import { createRng } from "../../../../src/core/rng";
import { runCell } from "../../../../src/engine/pipeline";
import type { RunOutput } from "../../../../src/protocol/output";
import { loadScenario } from "../../../../src/scenario/load";
import { simulate, type ExtraInterference, type KafkaRun } from "../../../../src/sims/kafka/model";
import { resolve, schema, type Options, type Setup } from "../../../../src/sims/kafka/scenario";
import type { ResolveContext } from "../../../../src/sims/types";

export function cell(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "kafka", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

export const codes = (o: RunOutput): string[] => o.verdict.findings.map((f) => f.code);

const ctx: ResolveContext = {
  at: () => undefined,
  fail: (path, message) => {
    throw new Error(`${path.join(".")}: ${message}`);
  },
};

export function setupOf(source: string): Setup {
  const loaded = loadScenario<Options>(source, schema);
  if (!loaded.value || loaded.diagnostics.some((d) => d.severity === "error")) throw new Error(loaded.diagnostics.map((d) => d.message).join("; "));
  return resolve(loaded.value, ctx).run;
}

/** The model alone; `extra` scripts what happens to chosen messages (a lost or doubled one). */
export function model(source: string, seed = 1, extra?: ExtraInterference): KafkaRun {
  return simulate(setupOf(source), createRng(seed), false, extra);
}
