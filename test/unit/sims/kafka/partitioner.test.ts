// Kafka's murmur2 and the default partitioner (src/sims/kafka/model/partitioner.ts): librdkafka's
// own test vectors (the Java client's results), a BigInt transcription of MurmurHash2 on arbitrary
// bytes, and keys as UTF-8. test/librdkafka/ compares thousands of keys with librdkafka itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { murmur2, partitionForKey } from "../../../../src/sims/kafka/model/partitioner";

interface Vectors {
  vectors: { key: string; murmur2: string }[];
}
const { vectors } = JSON.parse(readFileSync(join(import.meta.dirname, "../../../oracles/kafka-murmur2/vectors.json"), "utf8")) as Vectors;

/** MurmurHash2 (seed 0x9747b28c) with unbounded integers cut to 32 bits at each step, as the algorithm is written. */
function reference(bytes: Uint8Array): number {
  const mask = 0xffffffffn;
  const m = 0x5bd1e995n;
  let h = (0x9747b28cn ^ BigInt(bytes.length)) & mask;
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) {
    let k = BigInt(bytes[i]!) | (BigInt(bytes[i + 1]!) << 8n) | (BigInt(bytes[i + 2]!) << 16n) | (BigInt(bytes[i + 3]!) << 24n);
    k = (k * m) & mask;
    k ^= k >> 24n;
    k = (k * m) & mask;
    h = ((h * m) & mask) ^ k;
  }
  const rest = bytes.length - i;
  if (rest === 3) h ^= BigInt(bytes[i + 2]!) << 16n;
  if (rest >= 2) h ^= BigInt(bytes[i + 1]!) << 8n;
  if (rest >= 1) h = ((h ^ BigInt(bytes[i]!)) * m) & mask;
  h ^= h >> 13n;
  h = (h * m) & mask;
  h ^= h >> 15n;
  return Number(BigInt.asIntN(32, h));
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

test("murmur2 gives the Java client's values for librdkafka's test keys", () => {
  assert.equal(vectors.length, 11);
  for (const v of vectors) assert.equal(murmur2(utf8(v.key)), Number(BigInt.asIntN(32, BigInt(v.murmur2))), JSON.stringify(v.key));
});

test("murmur2 is a signed 32-bit int and equals a BigInt transcription on arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
      const h = murmur2(bytes);
      assert.equal(h, h | 0);
      assert.equal(h, reference(bytes));
    }),
    { numRuns: 2000 },
  );
});

test("partitionForKey takes the positive 31 bits of the key's hash modulo the partition count", () => {
  for (const v of vectors) {
    const positive = Number(BigInt(v.murmur2) & 0x7fffffffn);
    for (const n of [1, 3, 7, 12, 50]) assert.equal(partitionForKey(v.key, n), positive % n);
  }
  // "kafka" hashes to 0xd067cf64: 0x5067cf64 = 1348980580 once the sign bit is cleared.
  assert.equal(partitionForKey("kafka", 10), 0);
  assert.equal(partitionForKey("kafka", 7), 1348980580 % 7);
});

test("partitionForKey hashes the key's UTF-8 bytes, so non-ASCII keys land as the Java client puts them", () => {
  assert.equal(partitionForKey("é", 1000), (reference(Uint8Array.of(0xc3, 0xa9)) & 0x7fffffff) % 1000);
  assert.equal(partitionForKey("🦀", 977), (reference(Uint8Array.of(0xf0, 0x9f, 0xa6, 0x80)) & 0x7fffffff) % 977);
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), fc.integer({ min: 1, max: 100 }), (key, n) => {
      const p = partitionForKey(key, n);
      assert.ok(Number.isInteger(p) && p >= 0 && p < n);
      assert.equal(p, (reference(utf8(key)) & 0x7fffffff) % n);
    }),
  );
});

test("partitionForKey refuses a partition count that is not a positive integer", () => {
  for (const n of [0, -1, 1.5, Number.NaN]) assert.throws(() => partitionForKey("k", n), RangeError);
});
