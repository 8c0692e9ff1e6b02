/** Small helpers shared by this kata's spec files (not a spec themselves). */

/** The first key `${prefix}${i}` that satisfies `ok`; throws if none of the first 200 000 does. */
export function findKey(prefix: string, ok: (key: string) => boolean): string {
  for (let i = 0; i < 200_000; i++) {
    const key = `${prefix}${i}`;
    if (ok(key)) return key;
  }
  throw new Error(`spec helper: no key "${prefix}<i>" satisfies the condition`);
}

/** Packs counters the way the kata specifies: counter 2j in the low nibble of byte j. */
export function packNibbles(counters: readonly number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(counters.length / 2));
  counters.forEach((c, i) => {
    out[i >> 1]! |= (i & 1) === 0 ? c : c << 4;
  });
  return out;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
