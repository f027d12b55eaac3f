// The distributed-lock model: two clients acquire a lease (on one Redis instance, or by Redlock on
// a majority of several), work, maybe pause, write to a storage service and release; every
// request and answer is a message on the shared network (src/core/network.ts), with the whole world's state after it.
import type { Resolved } from "../scenario";
import { World } from "./world";
import type { LockResult } from "./types";

export type { Belief, LockEvent, LockResult, Write } from "./types";
export type { ClientRow, InstanceRow, Snapshot } from "./state";

/** Runs stop here whatever happens (a client retrying for ever). */
const HORIZON_MS = 3_600_000;

export function simulate(r: Resolved): LockResult {
  const world = new World(r);
  world.run(HORIZON_MS);
  return world.result();
}
