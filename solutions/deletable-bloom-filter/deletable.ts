/**
 * The Deletable Bloom Filter (Rothenberg, Macapuna, Verdi, Magalhães, IEEE Communications Letters
 * 2010). A plain bit array, split into `regions` equal regions, plus one bit per region that says
 * "a collision happened here". A bit set by exactly one key can be reset without hurting any other
 * key; the DlBF cannot know which bits those are, but it knows which regions never saw a collision,
 * and every set bit of such a region was set by exactly one key.
 */
import { fillIndexes, indexes, type Key } from './hash.ts';
import { checkInteger, MAX_CELLS, MAX_HASHES } from './validate.ts';

export class DeletableBloomFilter {
  /** Bits per region: `bits / regions`. */
  readonly regionSize: number;
  private readonly filter: Uint8Array;
  /** The collision bitmap: bit j set = region j saw a collision and its bits are never reset. */
  private readonly collisions: Uint8Array;
  private readonly idx: Uint32Array;

  constructor(
    readonly bits: number,
    readonly hashes: number,
    readonly regions: number,
  ) {
    checkInteger('DeletableBloomFilter: bits', bits, 1, MAX_CELLS);
    checkInteger('DeletableBloomFilter: hashes', hashes, 1, MAX_HASHES);
    checkInteger('DeletableBloomFilter: regions', regions, 1, bits);
    if (bits % regions !== 0) {
      throw new RangeError(`DeletableBloomFilter: bits (${bits}) must be a multiple of regions (${regions})`);
    }
    this.regionSize = bits / regions;
    this.filter = new Uint8Array(Math.ceil(bits / 8));
    this.collisions = new Uint8Array(Math.ceil(regions / 8));
    this.idx = new Uint32Array(hashes);
  }

  /** The `hashes` bit indexes of `key`. */
  positions(key: Key): number[] {
    return indexes(key, this.hashes, this.bits);
  }

  /** The region that holds bit `index`. */
  regionOf(index: number): number {
    checkInteger('DeletableBloomFilter.regionOf: index', index, 0, this.bits - 1);
    return this.region(index);
  }

  /** Whether bit `index` is set. */
  bitAt(index: number): boolean {
    checkInteger('DeletableBloomFilter.bitAt: index', index, 0, this.bits - 1);
    return this.test(index);
  }

  /** Whether region `region` saw a collision (its bits will never be reset). */
  isCollided(region: number): boolean {
    checkInteger('DeletableBloomFilter.isCollided: region', region, 0, this.regions - 1);
    return this.collided(region);
  }

  /** How many regions are marked collided. */
  get collidedRegions(): number {
    let n = 0;
    for (let j = 0; j < this.regions; j++) if (this.collided(j)) n++;
    return n;
  }

  /** Sets the key's bits; a bit that is already set marks its region collided. */
  add(key: Key): void {
    fillIndexes(key, this.hashes, this.bits, this.idx);
    for (let i = 0; i < this.hashes; i++) {
      const b = this.idx[i]!;
      if (this.test(b)) {
        // Someone (another key, an earlier copy of this key, or this key's own earlier index)
        // set it already: resetting it later could erase that someone, so the region is spoiled.
        const spoiled = this.region(b);
        this.collisions[spoiled >>> 3]! |= 1 << (spoiled & 7);
      } else {
        this.filter[b >>> 3]! |= 1 << (b & 7);
      }
    }
  }

  /** True if `key` may be in the set; false means certainly absent. */
  has(key: Key): boolean {
    fillIndexes(key, this.hashes, this.bits, this.idx);
    return this.allSet();
  }

  /** True if `key` is present and at least one of its bits lies in a collision-free region. */
  isDeletable(key: Key): boolean {
    fillIndexes(key, this.hashes, this.bits, this.idx);
    if (!this.allSet()) return false;
    for (let i = 0; i < this.hashes; i++) {
      if (!this.collided(this.region(this.idx[i]!))) return true;
    }
    return false;
  }

  /**
   * Deletes `key` if it can: resets every one of its bits that lies in a collision-free region and
   * returns true if it reset at least one (the key now reports absent). Returns false and changes
   * nothing when the key is certainly absent or all its bits are in collided regions.
   */
  remove(key: Key): boolean {
    fillIndexes(key, this.hashes, this.bits, this.idx);
    if (!this.allSet()) return false; // certainly absent: its set bits belong to other keys
    let reset = false;
    for (let i = 0; i < this.hashes; i++) {
      const b = this.idx[i]!;
      const clean = !this.collided(this.region(b));
      if (clean) {
        // Clean region: this bit was set by this key alone, so no other key loses it.
        this.filter[b >>> 3]! &= ~(1 << (b & 7));
        reset = true;
      }
    }
    return reset;
  }

  private region(b: number): number {
    return Math.floor(b / this.regionSize);
  }

  private test(b: number): boolean {
    return (this.filter[b >>> 3]! & (1 << (b & 7))) !== 0;
  }

  private collided(region: number): boolean {
    return (this.collisions[region >>> 3]! & (1 << (region & 7))) !== 0;
  }

  private allSet(): boolean {
    for (let i = 0; i < this.hashes; i++) if (!this.test(this.idx[i]!)) return false;
    return true;
  }
}
