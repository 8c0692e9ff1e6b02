/**
 * The merge iterator: many sorted sources in, one sorted stream out, one entry per key. Sources are
 * given newest first; when several hold a key, the newest source's entry wins and the others are
 * skipped. A linear pass over the sources' heads picks the smallest key: an LSM merges a handful of
 * sources (memtable, a few L0 tables, one table per level), where a heap would not pay off.
 */
import { compareBytes, sameBytes, type Entry } from './bytes.ts';

export interface MergeOptions {
  /**
   * Leave out keys whose winning entry is a tombstone (default false: tombstones are passed on).
   * A scan drops them; so does a compaction into the bottom level, where no older value remains
   * for a tombstone to hide. Any other compaction must keep them.
   */
  dropTombstones?: boolean;
}

type Source = Iterable<Entry> | AsyncIterable<Entry>;

function iteratorOf(source: Source): AsyncIterator<Entry> | Iterator<Entry> {
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<Entry>)[Symbol.asyncIterator]();
  if (Symbol.iterator in source) return (source as Iterable<Entry>)[Symbol.iterator]();
  throw new TypeError('mergeIterators: every source must be an Iterable or AsyncIterable of entries');
}

/**
 * Merges `sources` (each strictly ascending by key, newest source first) into one ascending stream
 * with exactly one entry per key: the one from the newest source that has it.
 */
export async function* mergeIterators(sources: readonly Source[], opts: MergeOptions = {}): AsyncGenerator<Entry> {
  const iterators = sources.map(iteratorOf);
  const heads: Array<Entry | undefined> = [];
  const advance = async (i: number) => {
    const r = await iterators[i]!.next();
    heads[i] = r.done ? undefined : r.value;
  };
  try {
    for (let i = 0; i < iterators.length; i++) await advance(i);
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        if (heads[i] === undefined) continue;
        // Strictly smaller: on equal keys the earlier (newer) source keeps the lead.
        if (best < 0 || compareBytes(heads[i]!.key, heads[best]!.key) < 0) best = i;
      }
      if (best < 0) return;
      const winner = heads[best]!;
      // Every source at this key moves on: their entries are older versions the winner shadows.
      for (let i = 0; i < heads.length; i++) {
        if (heads[i] !== undefined && sameBytes(heads[i]!.key, winner.key)) await advance(i);
      }
      if (opts.dropTombstones && winner.value === null) continue;
      yield winner;
    }
  } finally {
    // A consumer that stops early (break, throw) closes every source: table readers let go.
    for (const it of iterators) await it.return?.();
  }
}
