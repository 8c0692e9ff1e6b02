/**
 * Access plans: which block offsets a case touches, in which order. A plan is a pure function of
 * its options, the seed included, so a run can be repeated exactly, on any machine.
 */
import { BenchConfigError } from './errors.ts';

export type Pattern = 'sequential' | 'random';

export interface PlanOptions {
  /** Size of the file the plan runs over; a positive multiple of blockBytes. */
  fileBytes: number;
  /** Size of one access; every offset is a multiple of it. */
  blockBytes: number;
  pattern: Pattern;
  /** Number of accesses (at least 1). More than the file has blocks: the plan wraps around. */
  ops: number;
  /** Unsigned 32-bit integer; the only source of randomness. */
  seed: number;
}

const PATTERNS: readonly string[] = ['sequential', 'random'];

/** mulberry32: a 32-bit state, one float in [0, 1) per call. Same seed, same stream, anywhere. */
export function mulberry32(seed: number): () => number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new BenchConfigError('seed', `must be an integer in [0, 2^32), got ${String(seed)}`);
  }
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function positiveInt(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new BenchConfigError(field, `must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** Validates plan options; returns the number of blocks in the file. */
export function checkPlan(o: PlanOptions): number {
  if (typeof o !== 'object' || o === null) throw new BenchConfigError('options', 'must be an object');
  const blockBytes = positiveInt('blockBytes', o.blockBytes);
  const fileBytes = positiveInt('fileBytes', o.fileBytes);
  positiveInt('ops', o.ops);
  if (fileBytes % blockBytes !== 0) {
    throw new BenchConfigError('fileBytes', `must be a multiple of blockBytes (${blockBytes}), got ${fileBytes}`);
  }
  if (!PATTERNS.includes(o.pattern)) {
    throw new BenchConfigError('pattern', `must be 'sequential' or 'random', got ${JSON.stringify(o.pattern)}`);
  }
  mulberry32(o.seed); // validates the seed
  return fileBytes / blockBytes;
}

/**
 * The byte offsets of a case's accesses, in order.
 *
 * - sequential: block k mod blocks, i.e. 0, B, 2B, ... wrapping to 0 after the last block.
 * - random: a seeded permutation, without replacement inside a pass of `blocks` accesses: pass
 *   after pass, a forward Fisher–Yates shuffle of [0, blocks) drawn from mulberry32(seed), access
 *   i of a pass taking a[i] after swapping a[i] with a[i + floor(rand() × (blocks − i))]. Every
 *   access consumes exactly one draw. Without replacement, a random run touches as many distinct
 *   blocks as a sequential one of the same length, so neither gets more cache hits by chance.
 */
export function planAccesses(o: PlanOptions): number[] {
  checkPlan(o);
  const { blockBytes, ops, seed } = o;
  const blocks = o.fileBytes / blockBytes;
  const out = new Array<number>(ops);
  if (o.pattern === 'sequential') {
    for (let k = 0; k < ops; k++) out[k] = (k % blocks) * blockBytes;
    return out;
  }
  const rand = mulberry32(seed);
  let k = 0;
  while (k < ops) {
    // The shuffle's array a[] kept sparse: only the slots a swap changed. A plan of a few thousand
    // accesses over a file of millions of blocks costs a few thousand entries, not millions.
    const moved = new Map<number, number>();
    const pass = Math.min(blocks, ops - k);
    for (let i = 0; i < pass; i++, k++) {
      const j = i + Math.floor(rand() * (blocks - i));
      const aj = moved.get(j) ?? j;
      moved.set(j, moved.get(i) ?? i); // a[j] = a[i]; a[i] is never read again (later i are larger)
      out[k] = aj * blockBytes;
    }
  }
  return out;
}

/**
 * How many accesses do not start where the previous one ended (the first one counts: the head has
 * to get there). A sequential plan that does not wrap has 1; a random one nearly one per access.
 */
export function countSeeks(offsets: readonly number[], blockBytes: number): number {
  positiveInt('blockBytes', blockBytes);
  if (!Array.isArray(offsets)) throw new BenchConfigError('offsets', 'must be an array of byte offsets');
  let seeks = 0;
  let next = Number.NaN;
  for (const off of offsets) {
    if (off !== next) seeks++;
    next = off + blockBytes;
  }
  return seeks;
}
