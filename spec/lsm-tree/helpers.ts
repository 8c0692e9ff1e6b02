/**
 * Shared pieces of the lsm-tree spec: byte helpers, a Map model of the store (sorted in byte order
 * for scans), random workloads, and the recovery check every crash test uses.
 */
import CRC32C from 'crc-32/crc32c';
import { expect } from 'vitest';
import { openLsm, type Lsm, type LsmOptions } from '#kata/lsm-tree';
import type { Random } from '#support/seed';
import type { StoreFs } from '#support/simfs';

/** CRC-32C by the `crc-32` package (signed int → unsigned): the spec does not trust the kata's own. */
export const crc32c = (data: Uint8Array) => CRC32C.buf(data, 0) >>> 0;

export const DIR = '/db';
export const b = (s: string) => Buffer.from(s, 'utf8');
export const text = (x: Uint8Array | undefined | null) => (x == null ? x : Buffer.from(x).toString('utf8'));
export const byteOrder = (x: string, y: string) => Buffer.compare(b(x), b(y));

/** Collects an async iterable of [key, value] pairs as text. */
export async function collect(it: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const [k, v] of it) out.push([text(k)!, text(v)!]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

export type Op = { op: 'put'; key: string; value: string } | { op: 'del'; key: string };

export function apply(state: Map<string, string>, o: Op): void {
  if (o.op === 'put') state.set(o.key, o.value);
  else state.delete(o.key);
}

/** states[j] is the model after the first j ops. */
export function prefixStates(ops: readonly Op[]): Map<string, string>[] {
  const states = [new Map<string, string>()];
  for (const o of ops) {
    const next = new Map(states[states.length - 1]);
    apply(next, o);
    states.push(next);
  }
  return states;
}

/** The model's pairs with lo ≤ key < hi, in byte order: what a scan must return. */
export function modelScan(state: Map<string, string>, lo?: string, hi?: string): Array<[string, string]> {
  return [...state]
    .filter(([k]) => (lo === undefined || byteOrder(k, lo) >= 0) && (hi === undefined || byteOrder(k, hi) < 0))
    .sort(([x], [y]) => byteOrder(x, y));
}

/** Random puts and deletes over a few keys; values unique so every version is told apart. */
export function randomOps(random: Random, n: number, keys = 6, valueBytes: [number, number] = [2, 14]): Op[] {
  const ops: Op[] = [];
  const live = new Set<string>();
  for (let i = 0; i < n; i++) {
    const key = `k${random.int(0, keys - 1)}`;
    if (live.has(key) && random.bool(0.3)) {
      ops.push({ op: 'del', key });
      live.delete(key);
    } else {
      const value = `v${i}-`.padEnd(random.int(...valueBytes), String.fromCharCode(97 + (i % 26)));
      ops.push({ op: 'put', key, value });
      live.add(key);
    }
  }
  return ops;
}

export async function run(db: Lsm, o: Op): Promise<void> {
  if (o.op === 'put') await db.put(o.key, o.value);
  else await db.delete(o.key);
}

export const show = (m: Map<string, string> | Array<[string, string]>) => JSON.stringify([...m].sort(([x], [y]) => byteOrder(x, y)));
export const sameState = (x: Map<string, string>, y: Map<string, string>) => show(x) === show(y);

/** The store's whole content through a full scan, each key checked against get() too. */
export async function dump(db: Lsm, alsoAbsent: Iterable<string> = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [k, v] of await collect(db.scan())) {
    expect(out.has(k), `scan() returned ${JSON.stringify(k)} twice`).toBe(false);
    out.set(k, v);
  }
  for (const k of new Set([...out.keys(), ...alsoAbsent])) {
    const got = text(await db.get(k));
    expect(got, `get(${JSON.stringify(k)}) disagrees with scan()`).toBe(out.get(k));
  }
  return out;
}

/** Opens, dumps and closes. */
export async function stateOf(fs: StoreFs, opts: LsmOptions = {}, keys: Iterable<string> = []): Promise<Map<string, string>> {
  const db = await openLsm(DIR, { ...opts, fs });
  try {
    return await dump(db, keys);
  } finally {
    await db.close();
  }
}

/**
 * After a crash: opens the store, checks it holds the model after the first j ops for some j in
 * [acked, maxIssued] (every acknowledged op there, nothing invented, no deleted key back), puts one
 * more key, closes, and checks a second open sees the same plus that key. '' when all is well.
 */
export async function checkRecovery(
  fs: () => StoreFs,
  states: readonly Map<string, string>[],
  acked: number,
  maxIssued: number,
  opts: LsmOptions = {},
): Promise<string> {
  const keys = new Set(states.flatMap((s) => [...s.keys()]));
  let got: Map<string, string>;
  const db = await openLsm(DIR, { ...opts, fs: fs() });
  try {
    got = await dump(db, keys);
    await db.put('after-recovery', 'post');
  } finally {
    await db.close();
  }
  const allowed = states.slice(acked, maxIssued + 1);
  if (!allowed.some((s) => sameState(s, got))) {
    const lines = allowed.map((s, i) => `  after ${acked + i} ops: ${show(s)}`).join('\n');
    return `recovered ${show(got)}\n  but ${acked} ops were acknowledged; allowed states:\n${lines}`;
  }
  const again = await stateOf(fs(), opts, keys);
  const want = new Map(got).set('after-recovery', 'post');
  if (!sameState(again, want)) return `a second open after recovery and one put gave ${show(again)}, expected ${show(want)}`;
  return '';
}
