/**
 * The oracle: runs stage 4's programs on Node's own event loop with the real globals (setTimeout,
 * setInterval, setImmediate, process.nextTick, queueMicrotask, Promise#then) and reports the order
 * in which their callbacks ran.
 *
 * Protocol: one JSON request per stdin line, `{ id, unitMs, programs }`; one JSON response per
 * stdout line, `{ id, results: [{ log, disturbed }] }` in the programs' order. The process stays up
 * for many requests and exits when stdin closes.
 *
 * Isolation: the programs of a request are dealt to worker threads (each has its own libuv loop);
 * each worker runs its programs strictly one after another, starting the next only once nothing of
 * the previous one is pending.
 *
 * Determinism: a program's timers fire at distinct instants (whole units apart), every timeout is
 * aimed at its instant measured from the program's start (so lateness does not pile up along a
 * chain), and every callback checks that it ran inside its instant's window of real time
 * [instant*unit - EARLY, (instant+1)*unit - EARLY). When all callbacks are inside their windows,
 * the windows are disjoint and ordered, so Node ran the instants in order, and inside one instant
 * the order is fixed by Node's queues alone. Otherwise the result is marked `disturbed` (the machine
 * was too busy for real time to be trusted) and the spec runs that program again with a longer unit.
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { interpret } from './program.mjs';

/** How early a timer may fire against performance.now(): libuv keeps time in whole milliseconds. */
const EARLY_MS = 3;
const WORKERS = 10;

function runOne(program, unitMs) {
  return new Promise((resolve) => {
    const log = [];
    let disturbed = null;
    setImmediate(() => {
      const t0 = performance.now();
      interpret(program, {
        timeout: (cb, _delay, at) => setTimeout(cb, Math.max(1, Math.round(at * unitMs - (performance.now() - t0)))),
        interval: (cb, period) => setInterval(cb, period * unitMs),
        immediate: (cb) => setImmediate(cb),
        tick: (cb) => process.nextTick(cb),
        micro: (cb) => queueMicrotask(cb),
        then: (cb) => void Promise.resolve().then(cb),
        clearTimeout: (h) => clearTimeout(h),
        clearInterval: (h) => clearInterval(h),
        clearImmediate: (h) => clearImmediate(h),
        log: (label, instant) => {
          const ms = performance.now() - t0;
          log.push(label);
          if (!disturbed && Math.floor((ms + EARLY_MS) / unitMs) !== instant) {
            disturbed = `${label} ran at ${ms.toFixed(1)} ms, outside the window of instant ${instant} (unit ${unitMs} ms)`;
          }
        },
        done: () => resolve({ log, disturbed }),
      });
    });
  });
}

/** The instant of a program's last timer callback: how many units it takes to run. */
function lastInstant(program) {
  let last = 0;
  const walk = (nodes, at) => {
    for (const n of nodes) {
      if (n.kind === 'timeout') {
        last = Math.max(last, at + n.delay);
        walk(n.kids, at + n.delay);
      } else if (n.kind === 'interval') {
        for (let j = 1; j <= n.times; j++) walk(n.kids, at + j * n.delay);
        last = Math.max(last, at + n.times * n.delay);
      } else if (n.kids) walk(n.kids, at);
    }
  };
  walk(program, 0);
  return last;
}

if (isMainThread) {
  const workers = Array.from({ length: WORKERS }, () => new Worker(new URL(import.meta.url)));
  for (const w of workers) w.unref();
  let queue = Promise.resolve();
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    const req = JSON.parse(line);
    queue = queue.then(async () => {
      // Longest first, each to the least loaded worker: the batch takes as long as its busiest worker.
      const slices = workers.map(() => []);
      const load = workers.map(() => 0);
      const order = req.programs.map((p, i) => [lastInstant(p), i]).sort((a, b) => b[0] - a[0]);
      for (const [units, i] of order) {
        const k = load.indexOf(Math.min(...load));
        slices[k].push(i);
        load[k] += units + 1;
      }
      const results = new Array(req.programs.length);
      await Promise.all(
        workers.map(
          (w, k) =>
            new Promise((resolve) => {
              if (slices[k].length === 0) return resolve();
              w.once('message', (rs) => {
                rs.forEach((r, j) => (results[slices[k][j]] = r));
                resolve();
              });
              w.postMessage({ unitMs: req.unitMs, programs: slices[k].map((i) => req.programs[i]) });
            }),
        ),
      );
      process.stdout.write(`${JSON.stringify({ id: req.id, results })}\n`);
    });
  });
  rl.on('close', () => {
    queue.then(() => process.exit(0));
  });
} else {
  parentPort.on('message', async ({ unitMs, programs }) => {
    const results = [];
    for (const p of programs) results.push(await runOne(p, unitMs));
    parentPort.postMessage(results);
  });
}
