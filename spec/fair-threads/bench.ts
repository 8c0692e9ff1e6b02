/**
 * `npm run bench fair-threads`: π(N) on 1, 2 and 4 threads, static ranges vs dynamic batches.
 *
 *   KATA_TARGET=solution node --import ./grader/register.mjs spec/fair-threads/bench.ts
 *   BENCH_N=4000000 BENCH_ROUNDS=5 BENCH_THREADS=1,2,4,8 ...   to change the defaults
 *
 * For each thread count one PrimeCounter is started (and warmed up) once; rounds alternate static
 * and dynamic so a busy moment of the machine hurts both alike, and the median round of each is
 * reported: wall time, speed-up over one thread, fairness (max/min busy time) and every thread's
 * busy time. Then a chart of busy time per thread for the largest thread count.
 *
 * What to expect: with one thread the two are the same. With more, static's last thread holds the
 * most expensive numbers (trial division of k costs up to √k) and the others wait for it, so its
 * fairness grows with the thread count (about 1.6 at 2 threads, 3 at 4) and its speed-up lags;
 * dynamic stays near 1.0 and finishes when the work is done. Past the machine's core count
 * (os.availableParallelism()) threads share cores and busy times stretch for both.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { PrimeCounter, fairness, type Result } from '#kata/fair-threads';
import { printTable } from '#support/bench';
import { lineChart, terminalChart, writeReport, type Series } from '#support/chart';
import { workerExecArgv } from '#support/child';

const N = Number(process.env.BENCH_N ?? 2_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = (process.env.BENCH_THREADS ?? '1,2,4').split(',').map(Number);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);

interface Run {
  ms: number;
  result: Result;
}

function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[sorted.length >> 1]!;
}

async function timed(p: () => Promise<Result>): Promise<Run> {
  const t0 = performance.now();
  const result = await p();
  return { ms: performance.now() - t0, result };
}

console.log(`π(${N}) on ${THREADS.join(', ')} threads; dynamic batches of ${BATCH}; ${ROUNDS} rounds each, median shown; ${availableParallelism()} cores`);

const rows: string[][] = [];
const chartFor = new Map<string, Run>();
let baseline = 0;
for (const threads of THREADS) {
  const counter = new PrimeCounter({ threads, execArgv: workerExecArgv() });
  try {
    await counter.countDynamic(50_000); // boot and warm up every thread
    const runs = { static: [] as Run[], dynamic: [] as Run[] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.static.push(await timed(() => counter.countStatic(N)));
      runs.dynamic.push(await timed(() => counter.countDynamic(N, BATCH)));
    }
    for (const mode of ['static', 'dynamic'] as const) {
      const m = median(runs[mode]);
      if (threads === THREADS[0] && mode === 'static') baseline = m.ms * threads;
      rows.push([
        `${threads} × ${mode}`,
        String(m.result.count),
        m.ms.toFixed(0),
        `${(baseline / m.ms).toFixed(2)}×`,
        fairness(m.result).toFixed(2),
        m.result.perThread.map((t) => t.busyMs.toFixed(0)).join(' / '),
      ]);
      if (threads === Math.max(...THREADS)) chartFor.set(mode, m);
    }
  } finally {
    await counter.close();
  }
}

printTable(
  `static ranges vs dynamic batches (speed-up against ${THREADS[0]} thread${THREADS[0] === 1 ? '' : 's'}, static)`,
  ['threads × schedule', 'π(N)', 'wall ms', 'speed-up', 'max/min busy', 'busy ms per thread'],
  rows,
);

const most = Math.max(...THREADS);
const series: Series[] = [...chartFor].map(([mode, m]) => ({
  name: `${mode}, ${most} threads`,
  points: m.result.perThread.map((t, i): [number, number] => [i, t.busyMs]),
}));
const chart = { title: `busy time per thread, π(${N}) on ${most} threads`, xLabel: 'thread', yLabel: 'busy ms', series };
console.log(`\n${terminalChart(chart, 48, 12)}`);
console.log(`\nchart: ${writeReport('fair-threads-busy', lineChart(chart))}`);
