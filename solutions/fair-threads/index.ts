/** Counting primes on worker threads: static ranges vs dynamic batches from a shared atomic counter. */
export { MAX_N, countPrimesInRange, isPrime, splitRange } from './primes.ts';
export {
  DEFAULT_BATCH_SIZE,
  MAX_THREADS,
  PrimeCounter,
  countPrimesDynamic,
  countPrimesStatic,
  fairness,
  type CountOptions,
  type PrimeCounterOptions,
  type Result,
  type ThreadReport,
} from './counter.ts';
export { CounterClosedError } from './errors.ts';
