// Eviction policies with libCacheSim's semantics (libCacheSim/cache/eviction/*.c at commit
// aa0fc40, October 2024): the same request sequence, policy and capacity give the same hits and
// misses as `cachesim`, request by request. Where libCacheSim has a quirk that changes results (the
// order of checks, integer truncation of queue sizes, a queue allowed to overfill), we follow it and
// say so in docs/eviction.md.
//
// Requests name dense object ids 0, 1, 2, … (the workload maps real ids to them) and a size. With
// count-based capacity every size is 1. The framework is libCacheSim's cache_get_base: on a miss
// that may be admitted, evict until the object fits, then insert.
//
// One file per family: single-queue.ts (LRU, FIFO, CLOCK, SIEVE), lfu.ts, arc.ts, two-q.ts and
// s3-fifo.ts on the typed-array lists of lists.ts and queues.ts; redis.ts (sampled, no lists) and
// wtinylfu.ts. cache.ts is the interface they all implement; createCache builds any of them.
import { ARC } from "./arc";
import type { Cache, PolicyId, PolicyParams } from "./cache";
import { LFU } from "./lfu";
import { RedisApprox } from "./redis";
import { S3FIFO } from "./s3-fifo";
import { Clock, FIFO, LRU, Sieve } from "./single-queue";
import { TwoQ } from "./two-q";
import { WTinyLFU } from "./wtinylfu";

export { POLICY_IDS, type Cache, type CacheView, type PolicyId, type PolicyParams, type ViewEntry } from "./cache";

/** A cache of `capacity` objects (or bytes) under `policy`, empty. */
export function createCache(policy: PolicyId, capacity: number, params: PolicyParams = {}): Cache {
  switch (policy) {
    case "lru":
      return new LRU(capacity);
    case "fifo":
      return new FIFO(capacity);
    case "lfu":
      return new LFU(capacity);
    case "clock":
      return new Clock(capacity);
    case "arc":
      return new ARC(capacity);
    case "2q":
      return new TwoQ(capacity);
    case "s3-fifo":
      return new S3FIFO(capacity);
    case "sieve":
      return new Sieve(capacity);
    case "w-tinylfu":
      return new WTinyLFU(capacity, params.keyOf);
    case "redis-lru":
      return new RedisApprox("redis-lru", capacity, params);
    case "redis-lfu":
      return new RedisApprox("redis-lfu", capacity, params);
  }
}
