// Sagas in the message-passing world. Each step is a local transaction in its own service with a
// compensation. Orchestration: an orchestrator with a durable saga log drives the steps
// (orchestration.ts). Choreography: each service reacts to the previous step's event and publishes
// its own (choreography.ts). Participants are the same in both styles (sim.ts): idempotent or not,
// with or without an isolation countermeasure.
import type { Rng } from "../../../core/rng";
import { ORCHESTRATOR, type Setup } from "../scenario";
import { ChoreographedService } from "./choreography";
import { OrchestratedService, Orchestrator } from "./orchestration";
import { SagaSim } from "./sim";
import type { SagaRun } from "./types";

export * from "./types";

/**
 * One run: every saga starts startGapMs after the previous one, and the world runs until it comes to
 * rest or untilMs. `watch` keeps every actor's state after each event (the run an output draws).
 */
export function runSaga(setup: Setup, rng: Rng, watch = false): SagaRun {
  const sim = new SagaSim(setup, rng, watch);
  const w = sim.world;
  const services = [...new Set(setup.steps.map((x) => x.service))];
  if (setup.style === "orchestration") {
    w.add(new Orchestrator(sim));
    for (const s of services) w.add(new OrchestratedService(sim, s));
    for (let k = 0; k < sim.n; k++) w.timer(ORCHESTRATOR, k * setup.startGapMs, { t: "start", saga: k });
    return sim.run([ORCHESTRATOR, ...services]);
  }
  for (const s of services) w.add(new ChoreographedService(sim, s));
  for (let k = 0; k < sim.n; k++) w.timer(setup.steps[0]!.service, k * setup.startGapMs, { t: "start", saga: k });
  return sim.run(services);
}
