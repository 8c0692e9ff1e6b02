/**
 * Real processes on the real disk: a child runs the bank (transfers committed, aborted, left
 * running; pages stolen; checkpoints) and acknowledges each transfer after its commit resolved;
 * the test SIGKILLs it at a seeded moment, some of them inside the recovery the child starts with,
 * and recovers. The balances must be the opening ones plus every acknowledged transfer, plus at
 * most the one transfer whose commit was in flight; nothing else. A second recovery gives the same
 * balances, and a transfer committed after it survives close and reopen.
 *
 * The child's plan is drawn from a seed the test passes it, so the test knows every commit the
 * child would make, in order, and which one was in doubt at the kill.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '#kata/crash-recovery';
import { forEachSeed, type Random } from '#support/seed';
import { assertAckedRecovered, runAndKill } from '#support/sigkill';
import { nodeFs, type StoreFs } from '#support/simfs/index';
import { afterTransfers, commitsOf, drawKnobs, plan, runSteps, take, transferId, where, type Knobs, type Transfer } from './transfers.ts';

const script = new URL('./kill-child.ts', import.meta.url);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'crash-recovery-kill-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const OPENING = 1000;

/**
 * The real disk, with a way to drop a store as a killed process would: its descriptors are closed
 * behind its back, nothing is forced or written first.
 */
function killableFs(): { fs: StoreFs; drop: () => Promise<void> } {
  const fds = new Set<number>();
  const fs: StoreFs = {
    ...nodeFs,
    open: async (file, flags) => {
      const fd = await nodeFs.open(file, flags);
      fds.add(fd);
      return fd;
    },
    close: async (fd) => {
      fds.delete(fd);
      await nodeFs.close(fd);
    },
  };
  const drop = async () => {
    for (const fd of fds) await nodeFs.close(fd);
    fds.clear();
  };
  return { fs, drop };
}

function options(knobs: Knobs, fs?: StoreFs) {
  return fs ? { fs, pageSize: knobs.pageSize, pages: knobs.pages } : { pageSize: knobs.pageSize, pages: knobs.pages };
}

function balances(store: Store, knobs: Knobs): number[] {
  return Array.from({ length: knobs.accounts }, (_, a) => store.read(...where(knobs, a)));
}

/** Every slot that holds no account: no transfer ever touches it. */
function strays(store: Store, knobs: Knobs): string[] {
  const accounts = new Set(Array.from({ length: knobs.accounts }, (_, a) => where(knobs, a).join('/')));
  const out: string[] = [];
  for (let p = 0; p < knobs.pages; p++) {
    for (let s = 0; s < store.slotsPerPage; s++) {
      if (!accounts.has(`${p}/${s}`) && store.read(p, s) !== 0) out.push(`page ${p} slot ${s} = ${store.read(p, s)}`);
    }
  }
  return out;
}

/**
 * Before the child: fund the accounts, run part of another plan (committed transfers not yet in
 * the pages, stolen pages of transactions still running), perhaps steal every page, and drop the
 * store without closing it; perhaps leave a torn tail on the log too. Returns the balances of what
 * was committed.
 */
async function prepare(dir: string, knobs: Knobs, random: Random): Promise<number[]> {
  const { fs, drop } = killableFs();
  const store = await openStore(dir, options(knobs, fs));
  const fund = store.begin();
  for (let a = 0; a < knobs.accounts; a++) fund.write(...where(knobs, a), OPENING);
  await fund.commit();
  const setup = { ...knobs, seed: random.int(0, 0x7fffffff) };
  const committed: Transfer[] = [];
  await runSteps(store, setup, take(plan(setup), random.int(10, 80)), (t) => committed.push(t));
  if (random.bool()) for (let p = 0; p < knobs.pages; p++) await store.flushPage(p);
  await drop();
  if (random.bool()) await appendFile(path.join(dir, 'log'), tornTail(random));
  return afterTransfers(new Array<number>(knobs.accounts).fill(OPENING), committed);
}

/** What a write cut short leaves after the last whole record: zeros, garbage, or a frame missing its end. */
function tornTail(random: Random): Uint8Array {
  const kind = random.int(0, 2);
  if (kind === 0) return new Uint8Array(random.int(1, 300));
  if (kind === 1) return random.bytes(random.int(1, 300));
  const have = random.int(0, 120);
  const frame = new Uint8Array(8 + have);
  frame.set(random.bytes(4)); // a CRC
  new DataView(frame.buffer).setUint32(4, have + random.int(1, 200), true); // a length longer than what follows
  frame.set(random.bytes(have), 8);
  return frame;
}

async function killOnce(random: Random): Promise<void> {
  const dir = path.join(root, `s${random.seed}`);
  const knobs = drawKnobs(random);
  // Three seeds in four start from a store with recovery work to do; the rest let the child create it.
  const start = random.bool(0.75) ? await prepare(dir, knobs, random) : new Array<number>(knobs.accounts).fill(0);
  // About a third of the kills land within 12 ms of the child's ready(): in or just after recovery.
  const afterMs = random.bool(0.3) ? ([0, 12] as const) : ([20, 150] as const);
  const result = await runAndKill({ script, args: [dir, JSON.stringify(knobs)], afterMs, random });
  const acked = result.acked.filter((a) => a !== 'open');
  const label = `knobs ${JSON.stringify(knobs)}, killed ${result.delayMs} ms after ready() with ${acked.length} transfers acknowledged`;

  // The plan's commits up to the one in doubt: the child acknowledges them in order.
  const commits = commitsOf(knobs, acked.length + 1);
  const ids = commits.map(transferId);
  expect(acked, `${label}: the child acknowledges its plan's commits in order`).toEqual(ids.slice(0, acked.length));
  const prefixes = Array.from({ length: commits.length + 1 }, (_, k) => afterTransfers(start, commits.slice(0, k)));

  const first = killableFs();
  const store = await openStore(dir, options(knobs, first.fs));
  const got = balances(store, knobs);
  expect(strays(store, knobs), `${label}: slots outside the accounts`).toEqual([]);
  expect(
    got.reduce((a, b) => a + b, 0),
    `${label}: money is conserved (balances ${JSON.stringify(got)})`,
  ).toBe(start.reduce((a, b) => a + b, 0));
  // Recovered: the first k commits of the plan, k = acknowledged, or one more (its commit was in flight).
  let k = prefixes.length - 1;
  while (k >= 0 && !prefixes[k]!.every((v, i) => v === got[i])) k--;
  if (k < 0) {
    expect(got, `${label}: the recovered balances are no committed prefix of the transfers (in doubt: ${ids.at(-1)})`).toEqual(prefixes[acked.length]);
  }
  assertAckedRecovered({ ...result, acked }, ids.slice(0, k));

  // Killed again right after recovery: the second recovery gives the same balances.
  await first.drop();
  const again = await openStore(dir, options(knobs));
  expect(balances(again, knobs), `${label}: a second recovery`).toEqual(got);
  // The store goes on: one more transfer survives close and reopen.
  const tx = again.begin();
  tx.add(...where(knobs, 0), -1);
  tx.add(...where(knobs, knobs.accounts - 1), 1);
  await tx.commit();
  await again.close();
  const back = await openStore(dir, options(knobs));
  expect(balances(back, knobs), `${label}: a transfer committed after recovery, after close and reopen`).toEqual(
    afterTransfers(got, [{ n: 0, from: 0, to: knobs.accounts - 1, amount: 1 }]),
  );
  await back.close();
}

describe('stage 6: bank transfers under crashes', () => {
  // 20 seeds in 4 tests, so no single test runs long.
  for (let part = 1; part <= 4; part++) {
    it(`SIGKILL of a bank workload at seeded moments, some inside recovery (seeds ${part * 5 - 4}-${part * 5} of 20): every acknowledged transfer survives, at most the one in flight besides, money is conserved, a second recovery changes nothing`, async () => {
      await forEachSeed(5, killOnce);
    }, 120_000);
  }
});
