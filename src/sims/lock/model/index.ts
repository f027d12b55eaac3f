// The distributed-lock model: two clients acquire a lease (on one Redis instance, or by Redlock on
// a majority of several), work, maybe pause, write to a storage service and release; every
// message and decision is an event on a virtual clock, with the whole world's state after it.
import { EventQueue } from "../../../core/clock";
import { TraceRecorder } from "../../../core/trace";
import type { Resolved } from "../scenario";
import { World } from "./world";
import type { LockEvent, LockResult } from "./types";

export type { Belief, LockEvent, LockResult, Write } from "./types";
export type { ClientRow, InstanceRow, Snapshot } from "./state";

/** Runs stop here whatever happens (a client retrying for ever). */
const HORIZON_MS = 3_600_000;

export function simulate(r: Resolved): LockResult {
  const queue = new EventQueue<() => void>();
  const trace = new TraceRecorder<LockEvent>();
  const world = new World(r, queue, trace);
  world.start();
  for (let e = queue.pop(); e && e.atMs <= HORIZON_MS; e = queue.pop()) e.payload();
  return world.result();
}
