// Small non-cryptographic hashes for configuration version tags: order-free sums of 2×32-bit entry hashes.

/** FNV-1a over UTF-16 code units, finished with murmur3's mixer; `seed` gives independent lanes. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

export function fmix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes three 32-bit hashes into one; not symmetric, so (a, b, c) and (b, a, c) differ. */
export function mix3(a: number, b: number, c: number): number {
  return fmix((Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77) ^ (c + 0x165667b1)) >>> 0);
}

/** A multiset hash in two 32-bit lanes: adding and removing entries commute. */
export class HashSum {
  a = 0;
  b = 0;

  add(x: number, y: number): void {
    this.a = (this.a + x) >>> 0;
    this.b = (this.b + y) >>> 0;
  }

  remove(x: number, y: number): void {
    this.a = (this.a - x) >>> 0;
    this.b = (this.b - y) >>> 0;
  }

  hex(): string {
    return this.a.toString(16).padStart(8, '0') + this.b.toString(16).padStart(8, '0');
  }
}
