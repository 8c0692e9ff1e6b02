/**
 * The per-table Bloom filter: k probes from two MurmurHash3 values by double hashing,
 * probe_i = (h1 + i·h2) mod m. 10 bits per key and 7 probes give about 1% false positives, so a
 * get of a key a table does not hold reads no block of it 99 times in 100.
 * Serialized as: u32 probes · the bit array (bit i is byte i >> 3, mask 1 << (i & 7)).
 */
import { murmur3_32 } from '../bloom-filter/index.ts';

const SEED_A = 0x2545f491;
const SEED_B = 0x9e3779b9;
export const BITS_PER_KEY = 10;
export const PROBES = 7;

export class TableBloom {
  constructor(
    readonly probes: number,
    readonly bits: Uint8Array,
  ) {}

  /** An empty filter sized for `keys` keys (at least 64 bits). */
  static sized(keys: number): TableBloom {
    const bytes = Math.max(8, Math.ceil((keys * BITS_PER_KEY) / 8));
    return new TableBloom(PROBES, new Uint8Array(bytes));
  }

  add(key: Uint8Array): void {
    const m = this.bits.length * 8;
    const h1 = murmur3_32(key, SEED_A);
    const h2 = murmur3_32(key, SEED_B) | 1; // odd: the probes never collapse onto one bit
    let h = h1;
    for (let i = 0; i < this.probes; i++) {
      const bit = h % m;
      this.bits[bit >>> 3]! |= 1 << (bit & 7);
      h = (h + h2) >>> 0;
    }
  }

  /** False only when the key was never added; true for every added key (and ~1% of others). */
  mayContain(key: Uint8Array): boolean {
    const m = this.bits.length * 8;
    // The same two hashes as add(): any other pair probes other bits and misses added keys.
    const first = murmur3_32(key, SEED_A);
    const step = murmur3_32(key, SEED_B) | 1;
    let h = first;
    for (let i = 0; i < this.probes; i++) {
      const bit = h % m;
      if ((this.bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
      h = (h + step) >>> 0;
    }
    return true;
  }

  encode(): Buffer {
    const out = Buffer.alloc(4 + this.bits.length);
    out.writeUInt32LE(this.probes, 0);
    out.set(this.bits, 4);
    return out;
  }

  /** undefined when the bytes cannot be a filter (the caller reports the corruption). */
  static decode(data: Uint8Array): TableBloom | undefined {
    if (data.length < 5) return undefined;
    const probes = Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32LE(0);
    if (probes < 1 || probes > 30) return undefined;
    return new TableBloom(probes, data.subarray(4));
  }
}
