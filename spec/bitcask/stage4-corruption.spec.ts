/**
 * Stage 4: corruption. Bits flipped in synced entries: a damaged value fails only its own key, a
 * damaged size field does not derail the scan of the rest, damage the scan cannot attribute is
 * reported at open, and damage at the end of a sealed file is never mistaken for a torn tail.
 */
import { describe, expect, it } from 'vitest';
import { BitcaskCorruptionError, openBitcask, type Bitcask } from '#kata/bitcask';
import { flipBit } from '#support/corrupt';
import { forEachSeed, type Random } from '#support/seed';
import { SimFs, type DiskImage } from '#support/simfs';
import { DIR, dataIds, dataName, dataPath, decodeEntries, show, stateOf, text, type DecodedEntry } from './helpers.ts';

const MAX = 130;
const SLOW = { timeout: 120_000 };

interface Placed {
  id: number;
  entry: DecodedEntry;
  /** Its index among the entries of its file, and how many the file has. */
  index: number;
  count: number;
}

interface Base {
  image: DiskImage;
  ids: number[];
  /** Every live key's latest entry. */
  latest: Map<string, Placed>;
  expected: Map<string, string>;
}

/** A closed store over four files, three entries each, with overwrites and a delete. */
async function buildBase(): Promise<Base> {
  const sim = new SimFs({ seed: 11 });
  const db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: MAX });
  // 40-byte entries (26 for the tombstone), three to a 130-byte file:
  //   1: k0 k1 k2   2: k3 k0' k4   3: k5 ✝k3 k6   4: k7 k8 k9   5: k5' k10 k11
  const ops: Array<[string, string | null]> = [
    ['k0', 'value-of-k0-aa'], ['k1', 'value-of-k1-aa'], ['k2', 'value-of-k2-aa'],
    ['k3', 'value-of-k3-aa'], ['k0', 'value-of-k0-bb'], ['k4', 'value-of-k4-aa'],
    ['k5', 'value-of-k5-aa'], ['k3', null], ['k6', 'value-of-k6-aa'],
    ['k7', 'value-of-k7-aa'], ['k8', 'value-of-k8-aa'], ['k9', 'value-of-k9-aa'],
    ['k5', 'value-of-k5-bb'], ['k10', 'value-of-k10-a'], ['k11', 'value-of-k11-a'],
  ];
  const expected = new Map<string, string>();
  for (const [k, v] of ops) {
    if (v === null) {
      await db.delete(k);
      expected.delete(k);
    } else {
      await db.put(k, v);
      expected.set(k, v);
    }
  }
  await db.close();
  const ids = await dataIds(sim.fs);
  const latest = new Map<string, Placed>();
  for (const id of ids) {
    const entries = decodeEntries(await sim.fs.readFile(dataPath(id)), dataName(id));
    entries.forEach((entry, index) => {
      if (entry.value === null) latest.delete(entry.key);
      else latest.set(entry.key, { id, entry, index, count: entries.length });
    });
  }
  expect(ids.length, 'the base store spans several files').toBeGreaterThanOrEqual(4);
  expect(show(new Map([...latest].map(([k, p]) => [k, p.entry.value!])))).toBe(show(expected));
  return { image: sim.durableImage(), ids, latest, expected };
}

let base: Base | undefined;
const getBase = async () => (base ??= await buildBase());

/** The live key whose latest entry sits in `id`, neither first nor last of its file (entries follow it). */
function middleOf(b: Base, id: number): Placed {
  const p = [...b.latest.values()].find((x) => x.id === id && x.index > 0 && x.index < x.count - 1);
  if (!p) throw new Error(`the base store has no live middle entry in ${dataName(id)}`);
  return p;
}

/** Flips bit `bit` of byte `offset` of a synced file. */
function flip(sim: SimFs, file: string, offset: number, bit: number): void {
  const before = sim.peekDurable(file)![offset]!;
  sim.damage(file, offset, Uint8Array.of(before ^ (1 << bit)), `bit ${bit} of byte ${offset}`);
}

/**
 * Opens the damaged store and checks: `victim`'s get rejects with BitcaskCorruptionError naming
 * its file, entry offset and key; every other key reads its own value; keys() still lists every
 * key. Returns the open store.
 */
async function expectOnlyVictimFails(sim: SimFs, b: Base, victim: Placed, what: string): Promise<Bitcask> {
  const db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: MAX });
  const err = await db.get(victim.entry.key).then(
    (v) => new Error(`${what}: get(${victim.entry.key}) returned ${JSON.stringify(text(v))} instead of rejecting with BitcaskCorruptionError`),
    (e: unknown) => e,
  );
  expect(err, what).toBeInstanceOf(BitcaskCorruptionError);
  const c = err as BitcaskCorruptionError;
  expect(c.file.endsWith(dataName(victim.id)), `${what}: error.file is ${c.file}`).toBe(true);
  expect(c.offset, `${what}: error.offset`).toBe(victim.entry.offset);
  expect(text(c.key), `${what}: error.key`).toBe(victim.entry.key);
  for (const [k, v] of b.expected) if (k !== victim.entry.key) expect(text(await db.get(k)), `${what}: get(${k})`).toBe(v);
  const keys: string[] = [];
  for await (const k of db.keys()) keys.push(text(k)!);
  expect(keys.sort(), `${what}: keys()`).toEqual([...b.expected.keys()].sort());
  return db;
}

/** After the checks: a put, a reopen, and nothing else lost (nothing was cut off). */
async function expectNothingCut(sim: SimFs, db: Bitcask, b: Base, victim: Placed, what: string): Promise<void> {
  await db.put('written-after', 'the damage');
  await db.close();
  const after = { ...b, expected: new Map(b.expected).set('written-after', 'the damage') };
  const again = await expectOnlyVictimFails(sim, after, victim, `${what}, after a put and a reopen`);
  await again.close();
}

describe('stage 4: corruption', () => {
  it('a flipped bit in a value fails only that key, with file, offset and key in the error', SLOW, async () => {
    const b = await getBase();
    let cases = 0;
    await forEachSeed(1, async (random: Random) => {
      for (const victim of b.latest.values()) {
        // The last entry of the newest file is the one place where rot and a torn write look the same.
        if (victim.id === b.ids.at(-1) && victim.index === victim.count - 1) continue;
        const file = dataPath(victim.id);
        const valueStart = victim.entry.offset + 24 + victim.entry.keySize;
        const sim = SimFs.fromImage(b.image, { random });
        const f = flipBit(sim, file, { from: valueStart, to: victim.entry.offset + victim.entry.size });
        const db = await expectOnlyVictimFails(sim, b, victim, `bit ${f.bit} of byte ${f.offset} of ${dataName(victim.id)} (value of ${victim.entry.key})`);
        await db.close();
        cases++;
      }
    });
    expect(cases).toBeGreaterThanOrEqual(6);
  });

  it('a flipped bit in an entry’s crc or timestamp field also fails only that key', SLOW, async () => {
    const b = await getBase();
    const victim = middleOf(b, b.ids[1]!);
    await forEachSeed(1, async (random) => {
      for (const [field, from, to] of [['crc', 0, 4], ['timestamp', 8, 16]] as const) {
        for (let i = 0; i < 6; i++) {
          const sim = SimFs.fromImage(b.image, { random });
          const f = flipBit(sim, dataPath(victim.id), { from: victim.entry.offset + from, to: victim.entry.offset + to });
          const db = await expectOnlyVictimFails(sim, b, victim, `bit ${f.bit} of byte ${f.offset} (${field} of ${victim.entry.key})`);
          await db.close();
        }
      }
    });
  });

  it('a flipped bit in a key-size or value-size field does not derail the scan: only that key fails, nothing after it is lost (newest file, every bit)', SLOW, async () => {
    const b = await getBase();
    const victim = middleOf(b, b.ids.at(-1)!);
    for (let byte = 16; byte < 24; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const sim = SimFs.fromImage(b.image, { seed: 1 });
        flip(sim, dataPath(victim.id), victim.entry.offset + byte, bit);
        const what = `bit ${bit} of byte ${byte} of the entry of ${victim.entry.key} (${byte < 20 ? 'keySize' : 'valueSize'}) in the newest file`;
        const db = await expectOnlyVictimFails(sim, b, victim, what);
        await expectNothingCut(sim, db, b, victim, what);
      }
    }
  });

  it('a flipped bit in a key-size or value-size field of an older file does not derail the scan either', SLOW, async () => {
    const b = await getBase();
    const victim = middleOf(b, b.ids[0]!);
    await forEachSeed(1, async (random) => {
      for (let i = 0; i < 24; i++) {
        const sim = SimFs.fromImage(b.image, { random });
        const f = flipBit(sim, dataPath(victim.id), { from: victim.entry.offset + 16, to: victim.entry.offset + 24 });
        const what = `bit ${f.bit} of byte ${f.offset} (a size field of ${victim.entry.key}) in ${dataName(victim.id)}`;
        const db = await expectOnlyVictimFails(sim, b, victim, what);
        await expectNothingCut(sim, db, b, victim, what);
      }
    });
  });

  it('a flipped bit in a key cannot be attributed: open rejects with BitcaskCorruptionError at that entry, every time', SLOW, async () => {
    const b = await getBase();
    await forEachSeed(1, async (random) => {
      for (const id of [b.ids[0]!, b.ids.at(-1)!]) {
        const victim = middleOf(b, id);
        for (let i = 0; i < victim.entry.keySize; i++) {
          const sim = SimFs.fromImage(b.image, { random });
          const keyStart = victim.entry.offset + 24;
          const f = flipBit(sim, dataPath(id), { from: keyStart + i, to: keyStart + i + 1 });
          for (const attempt of ['first', 'second']) {
            const err = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: MAX }).then(
              async (db) => {
                await db.close();
                return new Error(`bit ${f.bit} of byte ${f.offset} (in the key of ${victim.entry.key}): open succeeded; it cannot know whose entry this was`);
              },
              (e: unknown) => e,
            );
            expect(err, `${attempt} open after bit ${f.bit} of byte ${f.offset} flipped`).toBeInstanceOf(BitcaskCorruptionError);
            expect((err as BitcaskCorruptionError).file.endsWith(dataName(id))).toBe(true);
            expect((err as BitcaskCorruptionError).offset).toBe(victim.entry.offset);
          }
        }
      }
    });
  });

  it('damage at the end of an older file is reported, never cut off as if it were a torn write', SLOW, async () => {
    const b = await getBase();
    const first = b.ids[0]!;
    const file = dataPath(first);
    const entries = decodeEntries(SimFs.fromImage(b.image).peekDurable(file)!);
    const last = entries.at(-1)!;
    const victim = b.latest.get(last.key);
    expect(victim?.entry.offset, 'the last entry of the first file is a live key’s latest').toBe(last.offset);
    // A flipped bit in its value: that key fails, as anywhere else.
    await forEachSeed(1, async (random) => {
      const sim = SimFs.fromImage(b.image, { random });
      flipBit(sim, file, { from: last.offset + 24 + last.keySize, to: last.offset + last.size });
      const db = await expectOnlyVictimFails(sim, b, victim!, `a bit of the value of ${last.key}, the last entry of ${dataName(first)}`);
      await db.close();
    });
    // The file cut short inside its last entry: a sealed file cannot end in a torn write.
    for (const cut of [1, 5, last.size - 24, last.size - 1]) {
      const files = new Map(b.image.files);
      files.set(file, files.get(file)!.subarray(0, files.get(file)!.length - cut));
      const sim = SimFs.fromImage({ dirs: b.image.dirs, files });
      const err = await stateOf(sim.fs, { maxFileBytes: MAX }).then(
        (s) => new Error(`${dataName(first)} cut ${cut} bytes short: open succeeded with ${show(s)}`),
        (e: unknown) => e,
      );
      expect(err, `${dataName(first)} cut ${cut} bytes short`).toBeInstanceOf(BitcaskCorruptionError);
      expect((err as BitcaskCorruptionError).offset).toBe(last.offset);
    }
  });
});
