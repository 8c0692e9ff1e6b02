/**
 * A counting Bloom filter (Fan, Cao, Almeida, Broder, "Summary Cache", 2000): every cell is a 4-bit
 * counter instead of a bit, so a key can be removed by decrementing what adding it incremented.
 */
import { fillIndexes, indexes, type Key } from './hash.ts';
import { checkInteger, MAX_CELLS, MAX_HASHES } from './validate.ts';

/** The largest value a 4-bit counter holds. A counter that reaches it is saturated for good. */
export const COUNTER_MAX = 15;

export class CountingBloomFilter {
  /** Two counters per byte: cell 2j in the low nibble of byte j, cell 2j+1 in the high nibble. */
  private readonly nibbles: Uint8Array;
  /** The current key's cell indexes (reused: add/has/remove allocate nothing). */
  private readonly idx: Uint32Array;

  constructor(
    readonly cells: number,
    readonly hashes: number,
  ) {
    checkInteger('CountingBloomFilter: cells', cells, 1, MAX_CELLS);
    checkInteger('CountingBloomFilter: hashes', hashes, 1, MAX_HASHES);
    this.nibbles = new Uint8Array(Math.ceil(cells / 2));
    this.idx = new Uint32Array(hashes);
  }

  /** The `hashes` cell indexes of `key` (duplicates possible, each counts). */
  positions(key: Key): number[] {
    return indexes(key, this.hashes, this.cells);
  }

  /** The value of counter `index`, 0..15. */
  counter(index: number): number {
    checkInteger('CountingBloomFilter.counter: index', index, 0, this.cells - 1);
    return this.get(index);
  }

  /** Adds one copy of `key`: every one of its counters goes up by one, unless already stuck at 15. */
  add(key: Key): void {
    fillIndexes(key, this.hashes, this.cells, this.idx);
    for (let i = 0; i < this.hashes; i++) {
      const cell = this.idx[i]!;
      const c = this.get(cell);
      // 4 bits cannot count past 15. Wrapping to 0 would be a false negative for every key on this
      // cell, so the counter sticks at 15 instead and its true count is unknown from now on.
      const next = c === COUNTER_MAX ? COUNTER_MAX : c + 1;
      this.set(cell, next);
    }
  }

  /** True if `key` may be in the set (every counter above 0); false means certainly absent. */
  has(key: Key): boolean {
    fillIndexes(key, this.hashes, this.cells, this.idx);
    for (let i = 0; i < this.hashes; i++) {
      if (this.get(this.idx[i]!) === 0) return false;
    }
    return true;
  }

  /**
   * Removes one copy of `key`. Returns false and changes nothing when a counter of the key is 0
   * (the key is certainly absent). Saturated counters are left at 15: their true count is unknown,
   * and decrementing them could bring to 0 a counter that other keys still need.
   */
  remove(key: Key): boolean {
    fillIndexes(key, this.hashes, this.cells, this.idx);
    for (let i = 0; i < this.hashes; i++) {
      if (this.get(this.idx[i]!) === 0) return false; // certainly absent: decrementing would corrupt others
    }
    for (let i = 0; i < this.hashes; i++) {
      const cell = this.idx[i]!;
      const c = this.get(cell);
      // `c > 0` matters only for a key listing the same cell twice that was never added.
      if (c !== COUNTER_MAX && c > 0) this.set(cell, c - 1);
    }
    return true;
  }

  /** How many counters are stuck at 15 (O(cells)). */
  get saturated(): number {
    let n = 0;
    for (let cell = 0; cell < this.cells; cell++) if (this.get(cell) === COUNTER_MAX) n++;
    return n;
  }

  /** A copy of the packed counters: `ceil(cells / 2)` bytes, low nibble first. */
  toBytes(): Uint8Array {
    return this.nibbles.slice();
  }

  private get(cell: number): number {
    return (this.nibbles[cell >>> 1]! >>> nibbleShift(cell)) & 0x0f;
  }

  private set(cell: number, value: number): void {
    const j = cell >>> 1;
    const shift = nibbleShift(cell);
    // Keep the neighbour's nibble: the other half of the byte is another counter.
    this.nibbles[j] = (this.nibbles[j]! & ~(0x0f << shift)) | (value << shift);
  }
}

/** Where a cell's counter sits in its byte: bit 0 (low nibble) for even cells, bit 4 for odd. */
function nibbleShift(cell: number): number {
  return (cell & 1) << 2;
}
