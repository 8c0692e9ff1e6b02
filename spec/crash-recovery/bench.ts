/**
 * `npm run bench crash-recovery`: what checkpoints buy at restart. The same workload (3,950
 * committed transfers between 64 accounts on 8 pages, one page written back every 10 transfers,
 * the process killed at the end) is recovered after checkpoints every 10, 100 or 1,000 transfers,
 * or none. The table shows where redo started, how many records it looked at, how many it applied,
 * and the recovery time (median of 5). Runs on the simulated disk, so the time is CPU time for
 * reading and replaying the log, not disk time.
 */
import { performance } from 'node:perf_hooks';
import { openStore } from '#kata/crash-recovery';
import { printTable } from '#support/bench';
import { Random } from '#support/seed';
import { SimFs } from '#support/simfs/index';

const TRANSFERS = 3950;
const ACCOUNTS = 64;
const PAGES = 8;

async function scenario(every: number | undefined): Promise<string[]> {
  const sim = new SimFs({ seed: 1 });
  const store = await openStore('/db', { fs: sim.fs, pages: PAGES });
  const random = new Random(42);
  for (let i = 0; i < TRANSFERS; i++) {
    const tx = store.begin();
    const a = random.int(0, ACCOUNTS - 1);
    const b = (a + random.int(1, ACCOUNTS - 1)) % ACCOUNTS;
    tx.add(a % PAGES, Math.floor(a / PAGES), -1);
    tx.add(b % PAGES, Math.floor(b / PAGES), 1);
    await tx.commit();
    if (i % 10 === 9) await store.flushPage(Math.floor(i / 10) % PAGES);
    if (every && i % every === every - 1) await store.checkpoint();
  }
  sim.crash('keep'); // a killed process: everything written survives, nothing else happens
  const image = sim.durableImage();
  const times: number[] = [];
  let stats = store.recoveryStats();
  for (let round = 0; round < 5; round++) {
    const disk = SimFs.fromImage(image, { seed: round });
    const t0 = performance.now();
    const back = await openStore('/db', { fs: disk.fs, pages: PAGES });
    times.push(performance.now() - t0);
    stats = back.recoveryStats();
    await back.close();
  }
  times.sort((x, y) => x - y);
  return [
    every ? `every ${every}` : 'none',
    String(stats.logRecords),
    String(stats.redoStart),
    String(stats.redone + stats.skipped),
    String(stats.redone),
    `${times[2]!.toFixed(1)} ms`,
  ];
}

const rows: string[][] = [];
for (const every of [undefined, 1000, 100, 10]) rows.push(await scenario(every));
printTable(`recovery after ${TRANSFERS} transfers (a page written back every 10)`, ['checkpoints', 'log records', 'redo start', 'records looked at', 'redone', 'recovery'], rows);
