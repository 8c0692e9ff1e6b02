/**
 * Real processes on the real disk: a child runs a seeded stream of puts and deletes (and, for
 * stage 5, compactions) on a LogDictionary, acknowledging each op after its promise resolved; the
 * test SIGKILLs it at a seeded moment, some kills within a few ms of open, and reopens. Every word
 * must hold what its last acknowledged op left, or what the one op in flight made of it; reopening
 * twice gives the same words, and a put after the crash lasts. Before the child starts, the
 * directory may hold an earlier dictionary with a torn last record, and (stage 5) a stale
 * compaction file. Power loss is SimFs's part (stage4-crash, stage5-compact).
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_FILE, LOG_FILE, LogDictionary } from '#kata/word-dictionary';
import { forEachSeed, type Random } from '#support/seed';
import { runAndKill } from '#support/sigkill';
import { decodeLog, encodeRecord } from './helpers.ts';
import { KILL_WORDS, firstOps, parseAck, type KillOp } from './kill-ops.ts';

const script = new URL('./kill-child.ts', import.meta.url);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'word-dictionary-kill-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Words only the set-up writes: the child never touches them, so they must come through as they were. */
const SETUP_WORDS = ['zèbre', 'only "before", never after', 'Ελλάδα'];

async function snapshot(dict: LogDictionary): Promise<Map<string, string | undefined>> {
  const words = await dict.words();
  expect(dict.size, 'size').toBe(words.length);
  const m = new Map<string, string | undefined>();
  for (const w of words) m.set(w, await dict.get(w));
  return m;
}

async function contents(dir: string): Promise<Map<string, string | undefined>> {
  const dict = await LogDictionary.open(dir);
  try {
    return await snapshot(dict);
  } finally {
    await dict.close();
  }
}

/** The log on disk, decoded by the spec's own reader and replayed. */
async function replayLog(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const r of decodeLog(await readFile(path.join(dir, LOG_FILE)))) {
    if (r.kind === 'put') m.set(r.word, r.meaning);
    else m.delete(r.word);
  }
  return m;
}

/**
 * An earlier dictionary in `dir` (or none, 1 time in 4: the child creates the directory), maybe
 * ending in a torn record, and with `compaction` maybe a stale compaction file holding an older
 * state. Resolves to the words it holds.
 */
async function setUp(random: Random, dir: string, compaction: boolean): Promise<Map<string, string>> {
  const model = new Map<string, string>();
  if (random.bool(0.25)) return model;
  const words = [...KILL_WORDS, ...SETUP_WORDS];
  const dict = await LogDictionary.open(dir);
  let older = new Map<string, string>();
  const n = random.int(1, 30);
  for (let i = 0; i < n; i++) {
    if (i === Math.floor(n / 2)) older = new Map(model);
    const word = random.pick(words);
    if (random.bool(0.2)) {
      expect(await dict.delete(word), `set-up delete(${JSON.stringify(word)})`).toBe(model.delete(word));
    } else {
      const meaning = `set-up ${i}: "${word}", ${random.bool() ? 'é 中文 🙂' : 'two\r\nlines'}`;
      await dict.put(word, meaning);
      model.set(word, meaning);
    }
  }
  await dict.close();
  if (random.bool(0.5)) {
    // The last write of a crashed run: part of a record, zeros, or garbage.
    const record = encodeRecord(random.pick(KILL_WORDS), 'torn, never acknowledged');
    const kind = random.int(0, 2);
    const tail = kind === 0 ? record.subarray(0, random.int(1, record.length - 1)) : kind === 1 ? new Uint8Array(random.int(1, 300)) : random.bytes(random.int(1, 300));
    await appendFile(path.join(dir, LOG_FILE), tail);
  }
  if (compaction && random.bool(0.6)) {
    // A compaction of an older state that never reached its rename, whole or cut anywhere.
    const stale = Buffer.concat([...older].map(([w, m]) => encodeRecord(w, m)));
    await writeFile(path.join(dir, COMPACT_FILE), random.bool() ? stale : stale.subarray(0, random.int(0, stale.length)));
  }
  return model;
}

const show = (v: string | undefined) => (v === undefined ? 'absent' : JSON.stringify(v));
const describeOp = (o: KillOp) => (o.op === 'put' ? `put(${JSON.stringify(o.word)}, ${JSON.stringify(o.meaning)})` : o.op === 'delete' ? `delete(${JSON.stringify(o.word)})` : 'compact()');

async function killOnce(random: Random, compaction: boolean): Promise<void> {
  const dir = path.join(root, `s${random.seed}`, 'dict');
  const expected = await setUp(random, dir, compaction);
  // About a third of the kills land within 12 ms of the child's ready(): in or just after open.
  const afterMs = random.bool(0.3) ? ([0, 12] as const) : ([15, 250] as const);
  const result = await runAndKill({ script, args: [dir, String(random.seed), compaction ? '1' : '0'], afterMs, random, timeoutMs: 60_000 });
  const [opened, ...acks] = result.acked;
  const where = `killed ${result.delayMs} ms after ready(), ${opened === undefined ? 'before open resolved' : `${acks.length} ops acknowledged`}`;
  expect(result.killed, `${where}: the child should have been killed`).toBe(true);
  if (opened !== undefined) expect(opened, where).toBe('open');

  // The acknowledged ops, in order, are the stream's first ones; replayed, they give the expected words.
  const stream = firstOps(random.seed, compaction, acks.length + 1);
  const last = new Map<string, number>();
  acks.forEach((id, k) => {
    const a = parseAck(id);
    expect(a.seq, `${where}: acknowledgement ${k}`).toBe(k);
    expect(a.op, `${where}: acknowledgement ${k}`).toEqual(stream[k]);
    if (a.op.op === 'put') expected.set(a.op.word, a.op.meaning);
    else if (a.op.op === 'delete') expect(a.existed, `${where}: op ${k} ${describeOp(a.op)} resolved to whether the word was there`).toBe(expected.delete(a.op.word));
    if (a.op.op !== 'compact') last.set(a.op.word, k);
  });
  // The child awaits each op before it starts the next, so only op #acks.length can be in flight
  // (and none when it died inside open).
  const inFlight = opened === undefined ? undefined : stream[acks.length]!;

  const first = await contents(dir);
  const wrong: string[] = [];
  for (const word of new Set([...expected.keys(), ...first.keys()])) {
    const got = first.get(word);
    if (got === expected.get(word)) continue;
    if (inFlight && inFlight.op !== 'compact' && inFlight.word === word && got === (inFlight.op === 'put' ? inFlight.meaning : undefined)) continue;
    const k = last.get(word);
    wrong.push(
      `${JSON.stringify(word)} is ${show(got)}, expected ${show(expected.get(word))} ` +
        `(${k === undefined ? 'not touched by an acknowledged op' : `last acknowledged op #${k} ${describeOp(stream[k]!)}`}` +
        `${inFlight ? `; in flight: #${acks.length} ${describeOp(inFlight)}` : ''})`,
    );
  }
  if (wrong.length > 0) throw new Error(`${where}: ${wrong.length} words wrong after reopening: ${wrong.join('; ')}`);
  if (compaction) expect(existsSync(path.join(dir, COMPACT_FILE)), `${where}: a stale ${COMPACT_FILE} is removed by open`).toBe(false);
  // The cut of a torn tail is in the file: what is on disk decodes whole and says the same.
  expect(await replayLog(dir), `${where}: ${LOG_FILE} read by the spec's decoder`).toEqual(first);
  expect(await contents(dir), `${where}: a second reopen`).toEqual(first);

  // The dictionary goes on.
  const word = random.pick(KILL_WORDS);
  const meaning = `after the kill, "${random.seed}",\nstill here 🙂`;
  const dict = await LogDictionary.open(dir);
  await dict.put(word, meaning);
  expect(await dict.get(word), `${where}: get after a put after recovery`).toBe(meaning);
  await dict.close();
  expect(await contents(dir), `${where}: a put after recovery, then close and reopen`).toEqual(new Map([...first, [word, meaning]]));
}

describe('stage 4: torn tails and bit rot', () => {
  // 10 of the 20 seeds, in 2 tests so no single test runs long; the other 10 mix in compactions.
  for (let part = 1; part <= 2; part++) {
    it(`SIGKILL in a stream of synced puts and deletes, some kills during open's repair of a torn tail (seeds ${part * 5 - 4}-${part * 5} of 20): every acknowledged op survives, reopening twice gives the same words, and a later put lasts`, async () => {
      await forEachSeed(5, (random) => killOnce(random, false));
    }, 120_000);
  }
});

describe('stage 5: compaction', () => {
  for (let part = 3; part <= 4; part++) {
    it(`SIGKILL in a stream of puts, deletes and compactions, some over a stale compaction file (seeds ${part * 5 - 4}-${part * 5} of 20): every acknowledged op survives, the stale file is removed, and a later put lasts`, async () => {
      await forEachSeed(5, (random) => killOnce(random, true));
    }, 120_000);
  }
});
