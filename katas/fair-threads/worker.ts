/**
 * The script every PrimeCounter thread runs. Start it from index.ts with
 *
 *   new Worker(new URL('./worker.ts', import.meta.url), { execArgv })
 *
 * and design the messages yourself (README.md suggests a protocol): say "ready" once listening,
 * then for each run count your share (static) or claim batches from the shared counter with
 * Atomics.add (dynamic), time it with performance.now(), and post back the primes you found, how
 * long you were busy and the ranges you counted.
 */
import { parentPort } from 'node:worker_threads';
import { todo } from '../not-implemented.ts';

parentPort?.on('message', () => {
  todo('fair-threads', 'worker.ts');
});
