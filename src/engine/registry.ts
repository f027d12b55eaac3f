// Every simulator, in the order pickers and docs list them. Adding a simulator is one line here.
import type { AnySimulator } from "../sims/types";
import { cacheAside } from "../sims/cache-aside";
import { cachePatterns } from "../sims/cache-patterns";
import { sharding } from "../sims/sharding";
import { isolation } from "../sims/isolation";
import { eviction } from "../sims/eviction";
import { saga } from "../sims/saga";
import { twoPhaseCommit } from "../sims/two-phase-commit";
import { outbox } from "../sims/outbox";
import { replication } from "../sims/replication";
import { quorum } from "../sims/quorum";
import { rateLimit } from "../sims/rate-limit";
import { lock } from "../sims/lock";
import { kafka } from "../sims/kafka";

export const simulators: readonly AnySimulator[] = [
  cacheAside,
  eviction,
  cachePatterns,
  sharding,
  isolation,
  saga,
  twoPhaseCommit,
  outbox,
  replication,
  quorum,
  rateLimit,
  lock,
  kafka,
];

const byId = new Map(simulators.map((s) => [s.id, s]));

export function findSimulator(id: string): AnySimulator | undefined {
  return byId.get(id);
}

export function simulatorIds(): string[] {
  return simulators.map((s) => s.id);
}

/** The cell language id VS Code uses for a simulator's scenario cells. */
export function languageIdFor(simulatorId: string): string {
  return `dsnb-${simulatorId}`;
}

export function simulatorForLanguage(languageId: string): AnySimulator | undefined {
  return languageId.startsWith("dsnb-") ? findSimulator(languageId.slice(5)) : undefined;
}
