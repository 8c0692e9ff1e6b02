/**
 * Shared pieces of the crash-recovery spec: a seeded bank workload (accounts are slots, transfers
 * move money between them, some commit, some abort, some stay in flight, pages are flushed and
 * checkpoints taken at random points) and its model: the balances after the acknowledged commits.
 */
import { expect } from 'vitest';
import { openStore, type Store, type Tx } from '#kata/crash-recovery';
import type { Random } from '#support/seed';
import type { StoreFs } from '#support/simfs/index';

export const DIR = '/db';
export const LOG = '/db/log';
export const PAGES = '/db/pages';
/** Pages of 64 bytes (7 slots), one sector each: the spec's disk tears writes at 64-byte boundaries. */
export const PAGE_SIZE = 64;

export async function open(fs: StoreFs, pages = 4): Promise<Store> {
  return openStore(DIR, { fs, pageSize: PAGE_SIZE, pages });
}

/** Every slot's value, page by page. */
export function snapshot(store: Store, slots = 4): number[] {
  const out: number[] = [];
  for (let p = 0; p < store.pages; p++) for (let s = 0; s < slots; s++) out.push(store.read(p, s));
  return out;
}

// ------------------------------------------------------------------------- the bank

export const ACCOUNTS = 8;
export const OPENING = 100;
/** Account i lives in page i % 4, slot floor(i / 4): neighbours share no page. */
export const where = (account: number): [number, number] => [account % 4, Math.floor(account / 4)];

export type Step =
  | { kind: 'transfer'; from: number; to: number; amount: number; outcome: 'commit' | 'abort'; viaWrite: boolean }
  | { kind: 'open'; from: number; to: number; amount: number }
  | { kind: 'finish'; which: number; outcome: 'commit' | 'abort' }
  | { kind: 'flush'; page: number }
  | { kind: 'checkpoint' };

/** A seeded plan: the same seed gives the same calls, so a dry run counts the calls of every crashed run. */
export function bankPlan(random: Random, steps: number): Step[] {
  const plan: Step[] = [];
  let open = 0;
  const pair = () => {
    const from = random.int(0, ACCOUNTS - 1);
    let to = random.int(0, ACCOUNTS - 2);
    if (to >= from) to++;
    return { from, to, amount: random.int(1, 40) };
  };
  for (let i = 0; i < steps; i++) {
    const r = random.next();
    if (r < 0.4) plan.push({ kind: 'transfer', ...pair(), outcome: random.bool(0.75) ? 'commit' : 'abort', viaWrite: random.bool(0.3) });
    else if (r < 0.55 && open < 2) {
      plan.push({ kind: 'open', ...pair() });
      open++;
    } else if (r < 0.65 && open > 0) {
      plan.push({ kind: 'finish', which: random.int(0, open - 1), outcome: random.bool(0.6) ? 'commit' : 'abort' });
      open--;
    } else if (r < 0.9) plan.push({ kind: 'flush', page: random.int(0, 3) });
    else plan.push({ kind: 'checkpoint' });
  }
  return plan;
}

/** What the workload has been told: balances after every acknowledged commit, and the one commit in doubt. */
export interface Bank {
  acked: number[];
  /** A commit that was issued but not acknowledged when the power went: it may or may not survive. */
  inDoubt?: { from: number; to: number; amount: number } | { funding: true };
  funded: boolean;
}

export function newBank(): Bank {
  return { acked: new Array<number>(ACCOUNTS).fill(0), funded: false };
}

function move(tx: Tx, from: number, to: number, amount: number, viaWrite: boolean): void {
  const [fp, fs] = where(from);
  const [tp, ts] = where(to);
  if (viaWrite) {
    tx.write(fp, fs, tx.read(fp, fs) - amount);
    tx.write(tp, ts, tx.read(tp, ts) + amount);
  } else {
    tx.add(fp, fs, -amount);
    tx.add(tp, ts, amount);
  }
}

async function commit(bank: Bank, tx: Tx, t: { from: number; to: number; amount: number }): Promise<void> {
  bank.inDoubt = t;
  await tx.commit();
  bank.acked[t.from]! -= t.amount;
  bank.acked[t.to]! += t.amount;
  bank.inDoubt = undefined;
}

/** Funds the accounts, then runs the plan. Updates `bank` as commits are acknowledged. */
export async function runBank(fs: StoreFs, plan: Step[], bank: Bank): Promise<Store> {
  const store = await open(fs);
  const fund = store.begin();
  for (let a = 0; a < ACCOUNTS; a++) fund.write(...where(a), OPENING);
  bank.inDoubt = { funding: true };
  await fund.commit();
  bank.acked.fill(OPENING);
  bank.funded = true;
  bank.inDoubt = undefined;
  const inFlight: { tx: Tx; from: number; to: number; amount: number }[] = [];
  for (const step of plan) {
    switch (step.kind) {
      case 'transfer': {
        const tx = store.begin();
        move(tx, step.from, step.to, step.amount, step.viaWrite);
        if (step.outcome === 'commit') await commit(bank, tx, step);
        else await tx.abort();
        break;
      }
      case 'open': {
        const tx = store.begin();
        move(tx, step.from, step.to, step.amount, false);
        inFlight.push({ tx, ...step });
        break;
      }
      case 'finish': {
        const [t] = inFlight.splice(step.which, 1);
        if (step.outcome === 'commit') await commit(bank, t!.tx, t!);
        else await t!.tx.abort();
        break;
      }
      case 'flush':
        await store.flushPage(step.page);
        break;
      case 'checkpoint':
        await store.checkpoint();
        break;
    }
  }
  return store; // left open: transactions still in flight are losers after a crash
}

export function balances(store: Store): number[] {
  return Array.from({ length: ACCOUNTS }, (_, a) => store.read(...where(a)));
}

/** The states recovery may legally produce: the acknowledged one, or that plus the commit in doubt. */
export function allowed(bank: Bank): number[][] {
  const out = [bank.acked.slice()];
  const d = bank.inDoubt;
  if (d && 'funding' in d) out.push(new Array<number>(ACCOUNTS).fill(OPENING));
  else if (d) {
    const b = bank.acked.slice();
    b[d.from]! -= d.amount;
    b[d.to]! += d.amount;
    out.push(b);
  }
  return out;
}

/** Recovered balances are one of the allowed states, and the money is conserved. */
export function expectBankState(got: number[], bank: Bank, label: string): void {
  const ok = allowed(bank).some((b) => b.every((v, i) => v === got[i]));
  if (!ok) {
    expect(got, `${label}: recovered balances match no committed prefix (acknowledged: ${JSON.stringify(bank.acked)}, in doubt: ${JSON.stringify(bank.inDoubt)})`).toEqual(bank.acked);
  }
  const sum = got.reduce((a, b) => a + b, 0);
  expect([0, ACCOUNTS * OPENING], `${label}: money is conserved`).toContain(sum);
  if (bank.funded) expect(sum, `${label}: money is conserved`).toBe(ACCOUNTS * OPENING);
}
