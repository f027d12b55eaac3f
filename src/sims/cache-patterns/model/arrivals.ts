// The requests of a load scenario: Poisson arrivals at `rps` for `durationMs`, each for one of the
// existing keys or, in a penetration, for an id that does not exist. Keys are numbered; existing
// keys come first, missing ids after them.
import type { Rng } from "../../../core/rng";
import type { Resolved } from "../scenario";
import { r2 } from "./time";

export interface Arrival {
  readonly atMs: number;
  readonly key: number;
}

/** The name of key number `i` as the diagram shows it. */
export function keyName(o: Resolved, i: number): string {
  if (o.scenario === "stampede") return o.keys === 1 ? "hot" : `hot-${i}`;
  return o.scenario === "penetration" ? `id-${i}` : `key-${i}`;
}

/** Poisson arrivals at `rps` over the duration; keys uniform over existing ones, or a missing id with probability absentShare. */
export function drawArrivals(o: Resolved, rng: Rng): Arrival[] {
  const out: Arrival[] = [];
  let t = 0;
  for (;;) {
    t += (-Math.log(1 - rng.float()) * 1000) / o.rps;
    if (t >= o.durationMs) return out;
    const absent = o.scenario === "penetration" && rng.chance(o.absentShare);
    out.push({ atMs: r2(t), key: absent ? o.keys + rng.int(0, o.absentKeys - 1) : rng.int(0, o.keys - 1) });
  }
}
