// The hashes simulators share (src/core/hash/): MurmurHash3 x86_32 against its reference vectors,
// XXH64 against libCacheSim's xxhash and a BigInt transcription of the specification.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { murmur3 } from "../../../src/core/hash/murmur3";
import { xxh64Low32, xxh64Reference } from "../../../src/core/hash/xxh64";

test("MurmurHash3 x86_32 matches the reference vectors", () => {
  assert.equal(murmur3("", 0), 0);
  assert.equal(murmur3("", 1), 0x514e28b7);
  assert.equal(murmur3("", 0xffffffff), 0x81f16f39);
  assert.equal(murmur3("abc", 0), 0xb3dd93fa);
  assert.equal(murmur3("The quick brown fox jumps over the lazy dog", 0), 0x2e4ff723);
  assert.equal(murmur3("Hello, world!", 1234), 0xfaf6cdb3);
});

test("XXH64 in 32-bit halves equals libCacheSim's xxhash and a BigInt transcription of the specification", () => {
  // Printed by a C program compiled against libCacheSim's xxhash.h: id, XXH64(id, 0x12345678) and
  // XXH64(id, 0x12344321), each truncated to 32 bits as the frequency sketch stores them.
  const vectors: [number, number, number][] = [
    [0, 972412019, 3092930169],
    [1, 2721530007, 3411563711],
    [17, 3271893956, 1824019981],
    [42, 878736933, 406870152],
    [123456789, 3162077990, 3134705060],
    [4294967295, 1027709022, 4292110627],
    [4294967296, 3070835608, 1744482315],
    [9007199254740991, 2995553344, 530047734],
    [2654435778, 433031833, 3322936458],
  ];
  for (const [id, a, b] of vectors) {
    assert.equal(xxh64Low32(id, 0x12345678), a, `id ${id}`);
    assert.equal(xxh64Low32(id, 0x12344321), b, `id ${id}`);
  }
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 0xffffffff }), (id, seed) => {
      assert.equal(xxh64Low32(id, seed), Number(xxh64Reference(BigInt(id), BigInt(seed)) & 0xffffffffn));
    }),
  );
});
