/**
 * `npm run bench thread-pool`: many small CPU tasks through the kata's pool, through piscina (the
 * pool most Node projects use), and through a new Worker per task, at the same concurrency.
 *
 *   KATA_TARGET=solution node --import ./grader/register.mjs spec/thread-pool/bench.ts
 *
 * Rounds alternate between the contenders so a busy moment of the machine hurts all alike; the
 * median round of each is reported. The goal for the reference: within reach of piscina, and far
 * ahead of a worker per task, whose thread start-up (tens of milliseconds) dwarfs a task of
 * microseconds. The inline row runs the same tasks on the main thread, one after another: the
 * floor every pool pays message passing on top of.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import Piscina from 'piscina';
import { ThreadPool } from '#kata/thread-pool';
import { formatOps, printTable } from '#support/bench';

const SIZE = Number(process.env.BENCH_THREADS ?? availableParallelism());
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TASK = new URL('./tasks/cpu.mjs', import.meta.url);
const ONCE = new URL('./tasks/cpu-once.mjs', import.meta.url);

/** The task of tasks/cpu.mjs, for the inline row and to check every contender's answers. */
function cpu(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x += Math.sqrt(i);
  return x;
}

interface Contender {
  name: string;
  /** Runs `count` tasks of size `n`; resolves with the sum of their results. */
  batch(n: number, count: number): Promise<number>;
  /** The share of a round's tasks it runs (the slow ones run fewer, and are timed per task). */
  share?: number;
}

/** Keeps `inFlight` tasks going until `count` are done (a pool gets its queue kept short and full). */
async function inParallel(count: number, inFlight: number, one: () => Promise<number>): Promise<number> {
  let next = 0;
  let sum = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      const v = await one(); // not `sum += await one()`: that reads `sum` before the await
      sum += v;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return sum;
}

const kata = new ThreadPool<number, number>({ filename: TASK, size: SIZE });
const piscina = new Piscina<number, number>({ filename: TASK.href, minThreads: SIZE, maxThreads: SIZE, idleTimeout: 60_000 });
// Deep enough that a worker never waits for the main thread to send its next task.
const IN_FLIGHT = SIZE * 4;

function workerPerTask(n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // No TypeScript loader: the naive approach at its best.
    const w = new Worker(ONCE, { workerData: n, execArgv: [] });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

const contenders: Contender[] = [
  { name: 'kata ThreadPool', batch: (n, count) => inParallel(count, IN_FLIGHT, () => kata.run(n)) },
  { name: 'piscina', batch: (n, count) => inParallel(count, IN_FLIGHT, () => piscina.run(n)) },
  { name: 'new Worker per task', batch: (n, count) => inParallel(count, SIZE, () => workerPerTask(n)), share: 1 / 1000 },
  {
    name: 'inline, main thread',
    batch: async (n, count) => {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += cpu(n);
      return sum;
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function measure(title: string, n: number, count: number): Promise<void> {
  // Same answers first: a benchmark of wrong code measures nothing.
  const want = cpu(n) * SIZE;
  for (const c of contenders) {
    const got = await c.batch(n, SIZE);
    if (Math.abs(got - want) > 1e-9 * want) throw new Error(`${c.name}: ${SIZE} tasks summed to ${got}, expected ${want}`);
  }
  const rates = contenders.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, c] of contenders.entries()) {
      const tasks = Math.max(SIZE, Math.round(count * (c.share ?? 1)));
      const t0 = performance.now();
      await c.batch(n, tasks);
      rates[i]!.push((tasks * 1000) / (performance.now() - t0));
    }
  }
  const ops = rates.map(median);
  printTable(
    title,
    ['case', 'tasks/s', 'kata ÷ case', 'µs per task'],
    contenders.map((c, i) => [c.name, formatOps(ops[i]!), i === 0 ? '1.00×' : `${(ops[0]! / ops[i]!).toFixed(2)}×`, (1e6 / ops[i]!).toFixed(1)]),
  );
}

console.log(`${SIZE} threads per pool, ${IN_FLIGHT} tasks in flight, ${ROUNDS} rounds (median)`);
try {
  // Boot both pools' threads before measuring: start-up is a one-time cost, not throughput.
  await Promise.all([kata.run(1), piscina.run(1)]);
  await Promise.all(Array.from({ length: SIZE * 2 }, () => Promise.all([kata.run(1000), piscina.run(1000)])));
  await measure('tiny tasks: 1,000 square roots each, 20,000 tasks per round', 1_000, 20_000);
  await measure('small tasks: 100,000 square roots each, 4,000 tasks per round', 100_000, 4_000);
} finally {
  await Promise.all([kata.close(), piscina.close()]);
}
