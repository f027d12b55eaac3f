// What the lock world holds: Redis instances with one key each (the lock) and their own clocks,
// two clients and what each believes, and the storage they write to; and a snapshot of all of it
// after every event, for the timeline.

export interface Key {
  /** The client whose attempt set the key. */
  readonly holder: string;
  /** The attempt's token: the random value compared on release, and the fencing token. */
  readonly token: number;
  /** When the key expires, on the instance's own clock. */
  readonly expiresLocalMs: number;
}

export interface Instance {
  readonly name: string;
  readonly driftPercent: number;
  key: Key | undefined;
}

export interface Client {
  readonly name: string;
  holds: boolean;
  token: number | undefined;
  /** Until when (client clock) the client believes its lease is valid. */
  validUntilMs: number | undefined;
  paused: boolean;
  done: boolean;
  attempts: number;
}

export interface Storage {
  lastToken: number | undefined;
  lastWriter: string | undefined;
  accepted: number;
  refused: number;
}

export interface InstanceRow {
  readonly name: string;
  readonly clockMs: number;
  readonly holder: string | undefined;
  readonly token: number | undefined;
  readonly expiresMs: number | undefined;
}

export interface ClientRow {
  readonly name: string;
  readonly holds: boolean;
  readonly paused: boolean;
  readonly token: number | undefined;
  readonly clockMs: number;
  readonly validUntilMs: number | undefined;
}

export interface Snapshot {
  readonly instances: readonly InstanceRow[];
  readonly clients: readonly ClientRow[];
  readonly storage: Readonly<Storage>;
}

/** An instance's clock at real time t: drift +10% runs 10% fast. */
export function localClock(inst: Instance, atMs: number): number {
  return Math.round(atMs * (1 + inst.driftPercent / 100));
}

/** The real time at which an instance's clock reads `localMs`. */
export function realTime(inst: Instance, localMs: number): number {
  return Math.ceil(localMs / (1 + inst.driftPercent / 100));
}

export function snapshot(atMs: number, instances: readonly Instance[], clients: readonly Client[], storage: Storage): Snapshot {
  return {
    instances: instances.map((i) => ({
      name: i.name,
      clockMs: localClock(i, atMs),
      holder: i.key?.holder,
      token: i.key?.token,
      expiresMs: i.key?.expiresLocalMs,
    })),
    clients: clients.map((c) => ({ name: c.name, holds: c.holds, paused: c.paused, token: c.token, clockMs: atMs, validUntilMs: c.validUntilMs })),
    storage: { ...storage },
  };
}
