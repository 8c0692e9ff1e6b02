/**
 * The memtable: the newest writes, in memory, sorted by key. A sorted array with binary search is
 * enough here: it holds at most `memtableBytes` of data before it is flushed to a table, inserts
 * move a few thousand references at worst, and iteration in key order is a plain walk.
 */
import { compareBytes, type Entry } from './bytes.ts';

export class Memtable {
  #keys: Uint8Array[] = [];
  #values: Array<Uint8Array | null> = [];
  #bytes = 0;

  /** Distinct keys held (tombstones included). */
  get size(): number {
    return this.#keys.length;
  }

  /** Σ key.length + value.length over the entries held (a tombstone counts its key only). */
  get bytes(): number {
    return this.#bytes;
  }

  /** First index whose key is ≥ `key` (the insertion point). */
  #lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.#keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.#keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sets the key's newest version; `null` records a delete (a tombstone). Keeps references. */
  put(key: Uint8Array, value: Uint8Array | null): void {
    const i = this.#lowerBound(key);
    const size = value === null ? 0 : value.length;
    if (i < this.#keys.length && compareBytes(this.#keys[i]!, key) === 0) {
      const old = this.#values[i];
      this.#bytes += size - (old == null ? 0 : old.length);
      this.#values[i] = value;
      return;
    }
    this.#keys.splice(i, 0, key);
    this.#values.splice(i, 0, value);
    this.#bytes += key.length + size;
  }

  /** The value, `null` for a tombstone, `undefined` when the memtable has nothing for the key. */
  get(key: Uint8Array): Uint8Array | null | undefined {
    const i = this.#lowerBound(key);
    if (i < this.#keys.length && compareBytes(this.#keys[i]!, key) === 0) return this.#values[i];
    return undefined;
  }

  /** Entries with lo ≤ key < hi (either bound may be omitted), ascending, tombstones included. */
  *entries(lo?: Uint8Array, hi?: Uint8Array): IterableIterator<Entry> {
    for (let i = lo === undefined ? 0 : this.#lowerBound(lo); i < this.#keys.length; i++) {
      const key = this.#keys[i]!;
      if (hi !== undefined && compareBytes(key, hi) >= 0) return;
      yield { key, value: this.#values[i]! };
    }
  }
}
