// MurmurHash3 x86_32 (Austin Appleby, public domain) over the UTF-8 bytes of a string: fast,
// well distributed, and the same on every machine, so the same keys land on the same nodes
// everywhere. Pinned by the reference test vectors in test/unit/core/hash.test.ts.

const encoder = new TextEncoder();

function asciiBytes(text: string, into: Uint8Array): Uint8Array | undefined {
  if (text.length > into.length) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) return undefined;
    into[i] = c;
  }
  return into.subarray(0, text.length);
}

const scratch = new Uint8Array(256);

export function murmur3(text: string, seed = 0): number {
  // Short ASCII keys (the common case) skip the UTF-8 encoder; the bytes are the same.
  const bytes = asciiBytes(text, scratch) ?? encoder.encode(text);
  const len = bytes.length;
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = len & 3;
  if (rest > 0) {
    let k = bytes[blocks]!;
    if (rest > 1) k ^= bytes[blocks + 1]! << 8;
    if (rest > 2) k ^= bytes[blocks + 2]! << 16;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len;
  return fmix32(h);
}

/** MurmurHash3's finaliser: a bijective 32-bit mixer, used to combine a key hash with a node hash. */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
