// XXH64 of one 8-byte little-endian integer, in 32-bit halves (no BigInt on the hot path).
// W-TinyLFU's frequency sketch in libCacheSim hashes each object id this way, so reproducing its
// admission decisions exactly needs the same hash.

// The five XXH64 primes as [high, low] 32-bit halves.
const P1H = 0x9e3779b1,
  P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d,
  P2L = 0x27d4eb4f;
const P3H = 0x165667b1,
  P3L = 0x9e3779f9;
const P4H = 0x85ebca77,
  P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f,
  P5L = 0x165667c5;

let rh = 0;
let rl = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rh:rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff,
    a1 = al >>> 16,
    b0 = bl & 0xffff,
    b1 = bl >>> 16;
  const p00 = a0 * b0,
    p01 = a0 * b1,
    p10 = a1 * b0,
    p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = p11 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 65536);
  rh = (carry + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}

function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

function rotl(h: number, l: number, r: number): void {
  // 0 < r < 32
  const nh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
  rh = nh;
}

/**
 * The low 32 bits of XXH64(id as uint64 little-endian, 8 bytes, seed) for 0 <= id < 2^53 and a
 * 32-bit seed. (libCacheSim stores the result in an unsigned int, keeping only these bits.)
 */
export function xxh64Low32(id: number, seed: number): number {
  const inL = id >>> 0;
  const inH = Math.floor(id / 4294967296) >>> 0;
  // h64 = seed + PRIME64_5 + 8
  add(0, seed >>> 0, P5H, P5L);
  add(rh, rl, 0, 8);
  let hh = rh,
    hl = rl;
  // k1 = rotl(input * PRIME64_2, 31) * PRIME64_1
  mul(inH, inL, P2H, P2L);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
  hh = (hh ^ rh) >>> 0;
  hl = (hl ^ rl) >>> 0;
  // h64 = rotl(h64, 27) * PRIME64_1 + PRIME64_4
  rotl(hh, hl, 27);
  mul(rh, rl, P1H, P1L);
  add(rh, rl, P4H, P4L);
  hh = rh;
  hl = rl;
  // avalanche
  hl = (hl ^ (hh >>> 1)) >>> 0; // h ^= h >> 33
  mul(hh, hl, P2H, P2L);
  hh = rh;
  hl = rl;
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0; // h ^= h >> 29
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L);
  hh = rh;
  hl = rl;
  return (hl ^ hh) >>> 0; // h ^= h >> 32, low half
}

/** The same hash with BigInt, written straight from the specification (tests compare the two). */
export function xxh64Reference(id: bigint, seed: bigint): bigint {
  const M = (1n << 64n) - 1n;
  const P1 = 0x9e3779b185ebca87n,
    P2 = 0xc2b2ae3d27d4eb4fn,
    P3 = 0x165667b19e3779f9n,
    P4 = 0x85ebca77c2b2ae63n,
    P5 = 0x27d4eb2f165667c5n;
  const rot = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
  let h = (seed + P5 + 8n) & M;
  const k1 = (rot((id * P2) & M, 31n) * P1) & M;
  h ^= k1;
  h = (rot(h, 27n) * P1 + P4) & M;
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}
