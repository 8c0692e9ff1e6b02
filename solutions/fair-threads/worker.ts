/**
 * What every thread of a PrimeCounter runs: it says "ready", then answers each run message with
 * the primes it found, how long it was busy, and the ranges it covered.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { countRangeUnchecked } from './primes.ts';
import { batchStart, type DoneMessage, type DynamicRun, type RunMessage, type StaticRun } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts is a PrimeCounter thread: start it with new Worker(), not directly');

function runStatic({ lo, hi }: StaticRun): DoneMessage {
  const t0 = performance.now();
  const primes = countRangeUnchecked(lo, hi);
  const busyMs = performance.now() - t0;
  return { type: 'done', primes, busyMs, ranges: lo < hi ? [[lo, hi]] : [] };
}

function runDynamic({ next, n, batchSize }: DynamicRun): DoneMessage {
  const counter = new Uint32Array(next);
  const ranges: Array<[number, number]> = [];
  let primes = 0;
  const t0 = performance.now();
  for (;;) {
    // Claim a batch: Atomics.add returns the value before the increment, in one indivisible step,
    // so no two threads ever get the same k. A read and a separate write (`counter[0]++`, or an
    // Atomics.load now and an Atomics.store later) leave a gap in which another thread reads the
    // same k, and batch k is counted twice.
    const k = Atomics.add(counter, 0, 1);
    const lo = batchStart(k, batchSize);
    if (lo > n) break; // every batch is taken: this thread is done
    const hi = Math.min(lo + batchSize, n + 1);
    primes += countRangeUnchecked(lo, hi);
    ranges.push([lo, hi]);
  }
  // Busy from the first claim to the failed one: the thread had work all that time, then none.
  const busyMs = performance.now() - t0;
  return { type: 'done', primes, busyMs, ranges };
}

port.on('message', (msg: RunMessage) => {
  port.postMessage(msg.type === 'static' ? runStatic(msg) : runDynamic(msg));
});

port.postMessage({ type: 'ready' });
