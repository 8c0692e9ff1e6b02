/**
 * `npm run experiment fair-threads`: what batch size should the dynamic schedule use?
 *
 * π(N) on one PrimeCounter (os.availableParallelism() threads, at least 2) with batch sizes from
 * 1 to N. Plots wall time and fairness (max/min busy time) against the batch size.
 *
 * Reading it: tiny batches are fair but slow, since every number costs a claim on the shared
 * counter (an atomic add on a cache line all threads fight over) and a range record. Huge batches
 * are cheap to hand out but coarse: with N / threads or more per batch the schedule is static
 * again (one thread takes the expensive top batch while the others have nothing left), and with
 * one batch of N a single thread does everything. In between, a wide flat valley: any batch size
 * whose claim cost is small against its counting cost, and whose count is small against the
 * total, is both fast and fair. The spec uses the default, 1000.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { PrimeCounter, fairness } from '#kata/fair-threads';
import { printTable } from '#support/bench';
import { lineChart, terminalChart, writeReport } from '#support/chart';
import { workerExecArgv } from '#support/child';

const N = Number(process.env.EXPERIMENT_N ?? 2_000_000);
const THREADS = Math.max(2, availableParallelism());
const ROUNDS = 3;
const BATCHES = [1, 10, 100, 1000, 10_000, 100_000, Math.ceil(N / THREADS), N];

const counter = new PrimeCounter({ threads: THREADS, execArgv: workerExecArgv() });
const wall: Array<[number, number]> = [];
const fair: Array<[number, number]> = [];
const rows: string[][] = [];
try {
  await counter.countDynamic(50_000); // boot and warm up every thread
  for (const b of BATCHES) {
    const runs: Array<{ ms: number; f: number }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const result = await counter.countDynamic(N, b);
      runs.push({ ms: performance.now() - t0, f: fairness(result) });
    }
    runs.sort((x, y) => x.ms - y.ms);
    const m = runs[ROUNDS >> 1]!;
    wall.push([b, m.ms]);
    fair.push([b, Math.min(m.f, 100)]);
    rows.push([String(b), String(Math.ceil((N - 1) / b)), m.ms.toFixed(0), Number.isFinite(m.f) ? m.f.toFixed(2) : '∞ (a thread got no batch)']);
  }
} finally {
  await counter.close();
}

printTable(`dynamic batches: π(${N}) on ${THREADS} threads, median of ${ROUNDS}`, ['batch size', 'batches', 'wall ms', 'max/min busy'], rows);

const timeChart = { title: `wall time vs batch size, π(${N}), ${THREADS} threads`, xLabel: 'batch size', yLabel: 'wall ms', logX: true, logY: true, series: [{ name: 'wall ms', points: wall }] };
const fairChart = {
  title: `fairness vs batch size (max/min busy, capped at 100)`,
  xLabel: 'batch size',
  yLabel: 'max/min busy',
  logX: true,
  logY: true,
  series: [
    { name: 'measured', points: fair },
    { name: '1.2 (the spec\'s bar)', points: BATCHES.map((b): [number, number] => [b, 1.2]), dashed: true },
  ],
};
console.log(`\n${terminalChart(timeChart, 56, 10)}\n\n${terminalChart(fairChart, 56, 10)}`);
console.log(`\ncharts: ${writeReport('fair-threads-batch-time', lineChart(timeChart))}, ${writeReport('fair-threads-batch-fairness', lineChart(fairChart))}`);
