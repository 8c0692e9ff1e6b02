/**
 * The messages between a PrimeCounter (main thread) and its workers.
 *
 *   worker → main   { type: 'ready' }                        once, when it listens
 *   main → worker   { type: 'static', lo, hi }               count this one range
 *                   { type: 'dynamic', next, n, batchSize }  take batches from the shared counter
 *   worker → main   { type: 'done', primes, busyMs, ranges } after each run
 */

export interface StaticRun {
  type: 'static';
  /** The thread's share, half-open: [lo, hi). Empty when lo === hi. */
  lo: number;
  hi: number;
}

export interface DynamicRun {
  type: 'dynamic';
  /** One Uint32 shared by every thread of the run: the number of the next batch to hand out. */
  next: SharedArrayBuffer;
  n: number;
  batchSize: number;
}

export type RunMessage = StaticRun | DynamicRun;

export interface DoneMessage {
  type: 'done';
  primes: number;
  busyMs: number;
  ranges: Array<[number, number]>;
}

export type WorkerMessage = { type: 'ready' } | DoneMessage;

/** The smallest prime: every count starts here. */
export const FIRST = 2;

/** Batch `k` of a dynamic run covers [FIRST + k·batchSize, min(FIRST + (k+1)·batchSize, n + 1)). */
export function batchStart(k: number, batchSize: number): number {
  return FIRST + k * batchSize;
}
