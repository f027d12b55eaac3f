// Which partition a keyed record goes to: Kafka's murmur2 (MurmurHash2 with seed 0x9747b28c,
// little-endian words, as the Java client's Utils.murmur2 and librdkafka's rd_murmur2 compute it)
// of the key's UTF-8 bytes, made non-negative and taken modulo the partition count. Pinned by the
// vectors in test/oracles/kafka-murmur2/ and against librdkafka's own partitioner (test/librdkafka/).

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const encoder = new TextEncoder();

/** Kafka's murmur2 (Java client Utils.murmur2 / librdkafka rd_murmur2) of the bytes: a signed 32-bit int. */
export function murmur2(bytes: Uint8Array): number {
  const len = bytes.length;
  let h = SEED ^ len;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = len & 3;
  if (rest === 3) h ^= bytes[blocks + 2]! << 16;
  if (rest >= 2) h ^= bytes[blocks + 1]! << 8;
  if (rest >= 1) {
    h ^= bytes[blocks]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner (Java) and librdkafka's murmur2_random give a non-null key: (murmur2(utf8(key)) & 0x7fffffff) % partitions. */
export function partitionForKey(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return (murmur2(encoder.encode(key)) & 0x7fffffff) % partitions;
}
