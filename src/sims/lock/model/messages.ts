// What travels on the lock world's network, and the timers its nodes set.
import type { Key } from "./state";

/** A request a client sends (to an instance, or the write to the storage). */
export type Op = "set" | "del" | "extend" | "write";

export type Body =
  | { readonly op: Op; readonly token: number }
  /** An instance's or the storage's answer to a request with this token. */
  | { readonly op: "answer"; readonly of: Op; readonly token: number; readonly ok: boolean };

export type Tag =
  /** A client tries to take the lock. */
  | { readonly kind: "acquire" }
  /** A client's wait for the answers to its SET ends (the timeout; final: after the deliveries due at the same instant). */
  | { readonly kind: "decide"; readonly token: number; readonly final: boolean }
  /** A client's work is done: it checks its lease before writing. */
  | { readonly kind: "work" }
  | { readonly kind: "write" }
  /** A watchdog's tick, and the end of its wait for the answers (final: after the deliveries due at the same instant). */
  | { readonly kind: "renew"; readonly token: number }
  | { readonly kind: "renewed"; readonly token: number; readonly final: boolean }
  /** An instance's key reaches its expiry on the instance's clock. */
  | { readonly kind: "expire"; readonly key: Key };
