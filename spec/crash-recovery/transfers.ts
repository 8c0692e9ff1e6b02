/**
 * The bank workload of the SIGKILL tests, shared by the child process (kill-child.ts) and the test
 * (sigkill.spec.ts), so it imports nothing from vitest. A plan is an endless, seeded list of steps
 * (transfers committed or aborted, transfers left running and finished later, page flushes,
 * checkpoints): the same knobs give the same steps, so the test knows every commit the child will
 * make, in order, and which one was in flight when it was killed.
 */
import type { Store, Tx } from '#kata/crash-recovery';
import { Random } from '#support/random';

/** Everything the plan is drawn from. Passed to the child as JSON. */
export interface Knobs {
  /** Seeds the plan. */
  seed: number;
  pageSize: number;
  pages: number;
  /** Accounts 0 .. accounts-1; account a is slot floor(a / pages) of page a % pages. */
  accounts: number;
  /** Largest amount moved by one transfer. */
  maxAmount: number;
  /** Share of transactions that abort instead of committing. */
  abortRate: number;
  /** Share of steps that flush (steal) a random page. */
  flushRate: number;
  /** Share of steps that take a checkpoint. */
  checkpointRate: number;
  /** Share of steps that begin a transfer and leave it running (at most 3 at a time). */
  openRate: number;
}

/** A committed transfer: `n` counts the workload's commits from 1. */
export interface Transfer {
  n: number;
  from: number;
  to: number;
  amount: number;
}

export type Step =
  /** Begin, move the money, then commit (`commit` set) or abort. */
  | { kind: 'transfer'; from: number; to: number; amount: number; commit?: Transfer }
  /** Begin and move the money; the transaction stays running. */
  | { kind: 'open'; from: number; to: number; amount: number }
  /** Commit (`commit` set) or abort the running transaction at index `which`. */
  | { kind: 'finish'; which: number; commit?: Transfer }
  | { kind: 'flush'; page: number }
  | { kind: 'checkpoint' };

const MAX_OPEN = 3;

/** Draws the knobs of one run. */
export function drawKnobs(random: Random): Knobs {
  const pageSize = random.pick([16, 64, 512, 4096]);
  const pages = random.pick([2, 4, 8]);
  const capacity = pages * ((pageSize - 8) / 8);
  return {
    seed: random.int(0, 0x7fffffff),
    pageSize,
    pages,
    accounts: Math.min(capacity, random.int(3, 12)),
    maxAmount: random.pick([5, 50, 1000]),
    abortRate: random.pick([0.1, 0.3, 0.5]),
    flushRate: random.pick([0.05, 0.2, 0.4]),
    checkpointRate: random.pick([0, 0.03, 0.1]),
    openRate: random.pick([0.05, 0.15, 0.3]),
  };
}

/** [page, slot] of an account. */
export function where(knobs: Knobs, account: number): [number, number] {
  return [account % knobs.pages, Math.floor(account / knobs.pages)];
}

/** The acknowledgement id of a committed transfer: `<n>:<from>:<to>:<amount>`. */
export function transferId(t: Transfer): string {
  return `${t.n}:${t.from}:${t.to}:${t.amount}`;
}

/** The endless plan drawn from `knobs`. */
export function* plan(knobs: Knobs): Generator<Step, never> {
  const random = new Random(knobs.seed);
  const open: { from: number; to: number; amount: number }[] = [];
  let commits = 0;
  const pair = () => {
    const from = random.int(0, knobs.accounts - 1);
    let to = random.int(0, knobs.accounts - 2);
    if (to >= from) to++;
    return { from, to, amount: random.int(1, knobs.maxAmount) };
  };
  for (;;) {
    const r = random.next();
    if (r < knobs.flushRate) {
      yield { kind: 'flush', page: random.int(0, knobs.pages - 1) };
    } else if (r < knobs.flushRate + knobs.checkpointRate) {
      yield { kind: 'checkpoint' };
    } else if (r < knobs.flushRate + knobs.checkpointRate + knobs.openRate && open.length < MAX_OPEN) {
      const t = pair();
      open.push(t);
      yield { kind: 'open', ...t };
    } else if (open.length > 0 && random.bool(0.3)) {
      const which = random.int(0, open.length - 1);
      const [t] = open.splice(which, 1);
      yield random.bool(knobs.abortRate) ? { kind: 'finish', which } : { kind: 'finish', which, commit: { n: ++commits, ...t! } };
    } else {
      const t = pair();
      yield random.bool(knobs.abortRate) ? { kind: 'transfer', ...t } : { kind: 'transfer', ...t, commit: { n: ++commits, ...t } };
    }
  }
}

/** The first `count` commits of the plan, in order. */
export function commitsOf(knobs: Knobs, count: number): Transfer[] {
  const out: Transfer[] = [];
  if (count <= 0) return out;
  for (const step of plan(knobs)) {
    if ((step.kind === 'transfer' || step.kind === 'finish') && step.commit) {
      out.push(step.commit);
      if (out.length === count) return out;
    }
  }
  throw new Error('unreachable: the plan is endless');
}

function move(knobs: Knobs, tx: Tx, from: number, to: number, amount: number): void {
  tx.add(...where(knobs, from), -amount);
  tx.add(...where(knobs, to), amount);
}

/**
 * Runs the steps on the store, calling `committed` once a commit's promise resolved. Returns the
 * transactions still running at the end (never, for the endless plan: the child runs until killed).
 */
export async function runSteps(store: Store, knobs: Knobs, steps: Iterable<Step>, committed: (t: Transfer) => void): Promise<Tx[]> {
  const open: Tx[] = [];
  for (const step of steps) {
    switch (step.kind) {
      case 'transfer': {
        const tx = store.begin();
        move(knobs, tx, step.from, step.to, step.amount);
        if (step.commit) {
          await tx.commit();
          committed(step.commit);
        } else await tx.abort();
        break;
      }
      case 'open': {
        const tx = store.begin();
        move(knobs, tx, step.from, step.to, step.amount);
        open.push(tx);
        break;
      }
      case 'finish': {
        const [tx] = open.splice(step.which, 1);
        if (step.commit) {
          await tx!.commit();
          committed(step.commit);
        } else await tx!.abort();
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
  return open;
}

/** The first `n` steps. */
export function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const item of items) {
    yield item;
    if (++i >= n) return;
  }
}

/** Balances after the transfers, from `start`. */
export function afterTransfers(start: readonly number[], transfers: Iterable<Transfer>): number[] {
  const b = start.slice();
  for (const t of transfers) {
    b[t.from]! -= t.amount;
    b[t.to]! += t.amount;
  }
  return b;
}
