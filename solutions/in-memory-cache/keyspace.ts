/**
 * The data: string keys and values with optional expiry times, memory accounting, and the two
 * random-sampling loops Redis is built around (active expiry and approximated LRU eviction).
 */
import { performance } from 'node:perf_hooks';

/** Bytes charged per key on top of its key and value bytes (see the README's memory model). */
export const ENTRY_OVERHEAD = 50;
/** `expiresAt` of a key without a time to live. */
export const NO_EXPIRY = -1;

export interface Entry {
  /** The key's bytes as a latin1 string: one char per byte, so any binary key is a Map key. */
  readonly key: string;
  value: Buffer;
  /** Unix time in ms after which the key is gone, or NO_EXPIRY. */
  expiresAt: number;
  /** Logical clock of the last access: larger is more recent. */
  lastAccess: number;
  /** Index in `all`, for O(1) removal and uniform random sampling. */
  slot: number;
  /** Index in `volatile` (keys with a TTL), or -1. */
  volatileSlot: number;
}

const entrySize = (e: Entry) => e.key.length + e.value.length + ENTRY_OVERHEAD;

/** Active expiry stops sampling once a sample is at most this stale, like Redis's classic 25%. */
const STALE_ENOUGH = 0.25;
/** Wall-clock budget of one active-expiry cycle, so a flood of expired keys cannot stall clients. */
const CYCLE_BUDGET_MS = 25;

export class Keyspace {
  private readonly map = new Map<string, Entry>();
  // A Map cannot hand out a random element; these dense arrays can (Redis's dictGetRandomKey).
  private readonly all: Entry[] = [];
  private readonly volatile: Entry[] = [];
  private clock = 0;

  usedMemory = 0;
  expiredKeys = 0;
  evictedKeys = 0;

  constructor(
    readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** Keys stored, including expired ones nobody has touched yet (what DBSIZE reports). */
  get size(): number {
    return this.map.size;
  }

  get volatileCount(): number {
    return this.volatile.length;
  }

  /**
   * The live entry for `key`. Lazy expiry happens here: an entry past its time is deleted on the
   * spot and reported missing, whether or not the active cycle has reached it yet. `touch`
   * records the access for LRU (EXISTS and TTL look without touching, as in Redis).
   */
  lookup(key: string, touch: boolean): Entry | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt !== NO_EXPIRY && this.now() > e.expiresAt) {
      this.delete(e);
      this.expiredKeys++;
      return undefined;
    }
    if (touch) e.lastAccess = ++this.clock;
    return e;
  }

  /** Creates or overwrites `key` with `value` and the given expiry (NO_EXPIRY for none). */
  set(key: string, value: Buffer, expiresAt: number): Entry {
    let e = this.map.get(key);
    if (e === undefined) {
      e = { key, value, expiresAt: NO_EXPIRY, lastAccess: 0, slot: this.all.length, volatileSlot: -1 };
      this.map.set(key, e);
      this.all.push(e);
      this.usedMemory += entrySize(e);
    } else {
      this.usedMemory += value.length - e.value.length;
      e.value = value;
    }
    this.setExpiry(e, expiresAt);
    e.lastAccess = ++this.clock;
    return e;
  }

  setExpiry(e: Entry, expiresAt: number): void {
    if (expiresAt === NO_EXPIRY) {
      if (e.volatileSlot >= 0) this.unlinkVolatile(e);
    } else if (e.volatileSlot < 0) {
      e.volatileSlot = this.volatile.length;
      this.volatile.push(e);
    }
    e.expiresAt = expiresAt;
  }

  delete(e: Entry): void {
    this.map.delete(e.key);
    // Swap-remove: move the last element into the hole so the array stays dense.
    const last = this.all.pop()!;
    if (last !== e) {
      this.all[e.slot] = last;
      last.slot = e.slot;
    }
    if (e.volatileSlot >= 0) this.unlinkVolatile(e);
    this.usedMemory -= entrySize(e);
  }

  clear(): void {
    this.map.clear();
    this.all.length = 0;
    this.volatile.length = 0;
    this.usedMemory = 0;
  }

  /**
   * Evicts keys until `usedMemory <= maxmemory`, each time the least recently used of `samples`
   * random keys (all keys when there are no more than `samples`): Redis's approximated LRU.
   */
  evictUntil(maxmemory: number, samples: number): void {
    while (this.usedMemory > maxmemory && this.all.length > 0) {
      const n = this.all.length;
      let victim: Entry | undefined;
      if (n <= samples) {
        for (const e of this.all) if (victim === undefined || e.lastAccess < victim.lastAccess) victim = e;
      } else {
        for (let i = 0; i < samples; i++) {
          const e = this.all[Math.floor(this.random() * n)]!;
          if (victim === undefined || e.lastAccess < victim.lastAccess) victim = e;
        }
      }
      this.delete(victim!);
      this.evictedKeys++;
    }
  }

  /**
   * One active-expiry cycle: sample `sample` keys that have a TTL, delete the expired ones, and
   * go again while more than a quarter of a sample was expired (and the time budget lasts).
   * Keys nobody reads again still go away, at a cost bounded per cycle.
   */
  activeExpireCycle(sample: number): number {
    const deadline = performance.now() + CYCLE_BUDGET_MS;
    const now = this.now();
    let removed = 0;
    for (;;) {
      const n = Math.min(sample, this.volatile.length);
      if (n === 0) break;
      let expired = 0;
      for (let i = 0; i < n; i++) {
        const e = this.volatile[Math.floor(this.random() * this.volatile.length)];
        if (e === undefined) break;
        if (now > e.expiresAt) {
          this.delete(e);
          this.expiredKeys++;
          expired++;
        }
      }
      removed += expired;
      if (expired <= n * STALE_ENOUGH) break;
      if (performance.now() > deadline) break;
    }
    return removed;
  }

  private unlinkVolatile(e: Entry): void {
    const last = this.volatile.pop()!;
    if (last !== e) {
      this.volatile[e.volatileSlot] = last;
      last.volatileSlot = e.volatileSlot;
    }
    e.volatileSlot = -1;
  }
}
