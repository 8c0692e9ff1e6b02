/**
 * Stage 2: SSTables. Sorted entries in CRC'd blocks, a sparse index of each block's first key, a
 * per-table bloom filter and a footer whose CRC covers the index and the filter. Every key is
 * found through the index, absent keys mostly never reach a block, and damage is reported with the
 * file and the offset.
 */
import { describe, expect, it } from 'vitest';
import { LsmCorruptionError, openSSTable, writeSSTable, type Entry } from '#kata/lsm-tree';
import { flipBit } from '#support/corrupt';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs';
import { b, byteOrder, crc32c, text } from './helpers.ts';

const FILE = '/t/000001.sst';
const FOOTER = 32;
const MAGIC = 0x314d534c;

/** 400 sorted entries (every 7th a tombstone) with keys of varying length. */
function sampleEntries(n = 400): Entry[] {
  const keys = Array.from({ length: n }, (_, i) => `key-${String(i * 3).padStart(5, '0')}${'x'.repeat(i % 5)}`).sort(byteOrder);
  return keys.map((k, i) => ({ key: b(k), value: i % 7 === 3 ? null : b(`value-of-${k}`) }));
}

async function tableOn(entries: Entry[], blockBytes = 96): Promise<SimFs> {
  const sim = new SimFs({ seed: 11 });
  await sim.fs.mkdir('/t');
  await writeSSTable(sim.fs, FILE, entries, { blockBytes });
  await sim.fs.fsyncDir('/t');
  return sim;
}

/** The footer fields as the README lays them out, checked with an independent CRC. */
function footerOf(file: Uint8Array) {
  const buf = Buffer.from(file);
  const f = buf.length - FOOTER;
  const indexOffset = Number(buf.readBigUInt64LE(f));
  return {
    indexOffset,
    indexLength: buf.readUInt32LE(f + 8),
    bloomLength: buf.readUInt32LE(f + 12),
    count: Number(buf.readBigUInt64LE(f + 16)),
    magic: buf.readUInt32LE(f + 24),
    crcOk: crc32c(buf.subarray(indexOffset, buf.length - 4)) === buf.readUInt32LE(buf.length - 4),
  };
}

/** The sparse index as the README lays it out: first key, offset and length of each block. */
function indexOf(file: Uint8Array) {
  const buf = Buffer.from(file);
  const { indexOffset, indexLength } = footerOf(file);
  const out: Array<{ firstKey: string; offset: number; length: number }> = [];
  for (let p = indexOffset; p < indexOffset + indexLength; ) {
    const n = buf.readUInt32LE(p);
    out.push({ firstKey: buf.subarray(p + 4, p + 4 + n).toString('utf8'), offset: Number(buf.readBigUInt64LE(p + 4 + n)), length: buf.readUInt32LE(p + 12 + n) });
    p += 16 + n;
  }
  return out;
}

async function collectEntries(it: AsyncIterable<Entry>): Promise<Array<[string, string | null]>> {
  const out: Array<[string, string | null]> = [];
  for await (const e of it) out.push([text(e.key)!, e.value === null ? null : text(e.value)!]);
  return out;
}

describe('stage 2: SSTables', () => {
  it('finds every key through the sparse index, a tombstone as null, and no key it does not hold', async () => {
    const entries = sampleEntries();
    const sim = await tableOn(entries);
    const table = await openSSTable(sim.fs, FILE);
    try {
      expect(table.count).toBe(entries.length);
      expect(table.blocks).toBeGreaterThan(40); // many blocks: the binary search has work to do
      for (const e of entries) {
        const got = await table.get(e.key);
        if (e.value === null) expect(got, `tombstone ${text(e.key)}`).toBeNull();
        else expect(text(got as Uint8Array), `get(${text(e.key)})`).toBe(text(e.value));
      }
      for (const absent of ['', 'a', 'key-', 'key-00001', 'key-00003y', 'key-99999', 'zzz']) {
        expect(await table.get(b(absent)), `get(${JSON.stringify(absent)})`).toBeUndefined();
      }
    } finally {
      await table.close();
    }
  });

  it('lays the file out as the README says: CRC\'d blocks, an index of first keys, a footer whose CRC covers index and filter', async () => {
    const entries = sampleEntries(120);
    const sim = await tableOn(entries, 64);
    const info = await writeSSTable(sim.fs, '/t/again.sst', entries, { blockBytes: 64 });
    const file = sim.peek(FILE)!;
    expect(info.bytes).toBe(file.length);
    expect(info.entries).toBe(120);
    const footer = footerOf(file);
    expect(footer.magic).toBe(MAGIC);
    expect(footer.count).toBe(120);
    expect(footer.crcOk).toBe(true);
    expect(footer.indexOffset + footer.indexLength + footer.bloomLength + FOOTER).toBe(file.length);
    const index = indexOf(file);
    expect(index.length).toBe(info.blocks);
    let expected = 0;
    let first = 0;
    const buf = Buffer.from(file);
    for (const block of index) {
      expect(block.offset).toBe(expected);
      const body = buf.subarray(block.offset, block.offset + block.length - 4);
      expect(crc32c(body)).toBe(buf.readUInt32LE(block.offset + block.length - 4));
      expect(block.firstKey).toBe(text(entries[first]!.key));
      // Count the block's entries: u32 key length, u32 value length (0xFFFFFFFF = tombstone), key, value.
      for (let p = 0; p < body.length; first++) {
        const k = body.readUInt32LE(p);
        const v = body.readUInt32LE(p + 4);
        expect(body.subarray(p + 8, p + 8 + k).toString('utf8')).toBe(text(entries[first]!.key));
        expect(v === 0xffffffff).toBe(entries[first]!.value === null);
        p += 8 + k + (v === 0xffffffff ? 0 : v);
      }
      expected = block.offset + block.length;
    }
    expect(first).toBe(120);
    expect(expected).toBe(footer.indexOffset);
  });

  it('iterates [lo, hi) in order across block boundaries, tombstones included', async () => {
    const entries = sampleEntries(200);
    const sim = await tableOn(entries, 48);
    const table = await openSSTable(sim.fs, FILE);
    try {
      const all = entries.map((e): [string, string | null] => [text(e.key)!, e.value === null ? null : text(e.value)!]);
      expect(await collectEntries(table.entries())).toEqual(all);
      const bounds: Array<[string | undefined, string | undefined]> = [
        ['key-00150', 'key-00300'],
        ['key-00151', 'key-00302x'],
        [undefined, 'key-00010'],
        ['key-00500', undefined],
        ['a', 'b'],
        ['key-00300', 'key-00300'],
      ];
      for (const [lo, hi] of bounds) {
        const want = all.filter(([k]) => (lo === undefined || byteOrder(k, lo) >= 0) && (hi === undefined || byteOrder(k, hi) < 0));
        expect(await collectEntries(table.entries(lo === undefined ? undefined : b(lo), hi === undefined ? undefined : b(hi))), `[${lo}, ${hi})`).toEqual(want);
      }
    } finally {
      await table.close();
    }
  });

  it('has a bloom filter with no false negatives that spares almost every lookup of an absent key', async () => {
    const entries = sampleEntries(400);
    const sim = await tableOn(entries);
    const table = await openSSTable(sim.fs, FILE);
    try {
      for (const e of entries) expect(table.mayContain(e.key), `mayContain(${text(e.key)})`).toBe(true);
      const before = table.blocksRead;
      let positives = 0;
      for (let i = 0; i < 2000; i++) {
        const k = b(`key-${String(i).padStart(5, '0')}z`); // inside the key range, in no table
        if (table.mayContain(k)) positives++;
        expect(await table.get(k)).toBeUndefined();
      }
      expect(positives / 2000).toBeLessThan(0.05);
      expect(table.blocksRead - before).toBe(positives); // a negative answer reads no block
    } finally {
      await table.close();
    }
  });

  it('reports a flipped bit in a data block with the file and the block\'s offset, on get and on iteration', async () => {
    await forEachSeed(4, async (random) => {
      const entries = sampleEntries(150);
      const sim = await tableOn(entries, 80);
      const index = indexOf(sim.peek(FILE)!);
      const victim = index[random.int(0, index.length - 1)]!;
      flipBit(sim, FILE, { from: victim.offset, to: victim.offset + victim.length }, random);
      const table = await openSSTable(sim.fs, FILE); // the footer is intact: open succeeds
      try {
        const err = await table.get(b(victim.firstKey)).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(LsmCorruptionError);
        expect((err as LsmCorruptionError).file).toBe(FILE);
        expect((err as LsmCorruptionError).offset).toBe(victim.offset);
        await expect(collectEntries(table.entries())).rejects.toThrow(LsmCorruptionError);
      } finally {
        await table.close();
      }
    });
  });

  it('refuses to open a table whose index, bloom filter or footer has a flipped bit', async () => {
    let checked = 0;
    await forEachSeed(2, async (random) => {
      for (const part of ['index', 'bloom', 'footer'] as const) {
        for (let i = 0; i < 3; i++) {
          const sim = await tableOn(sampleEntries(100), 64);
          const f = footerOf(sim.peek(FILE)!);
          const bloomAt = f.indexOffset + f.indexLength;
          const size = sim.peek(FILE)!.length;
          const range = part === 'index' ? { from: f.indexOffset, to: bloomAt } : part === 'bloom' ? { from: bloomAt, to: bloomAt + f.bloomLength } : { from: size - FOOTER, to: size };
          const flip = flipBit(sim, FILE, range, random);
          const err = await openSSTable(sim.fs, FILE).then(
            async (t) => {
              await t.close();
              return undefined;
            },
            (e: unknown) => e,
          );
          expect(err, `a flipped bit ${flip.bit} at byte ${flip.offset} (${part}) was not reported`).toBeInstanceOf(LsmCorruptionError);
          expect((err as LsmCorruptionError).file).toBe(FILE);
          expect((err as LsmCorruptionError).offset).toBeGreaterThanOrEqual(f.indexOffset);
          checked++;
        }
      }
    });
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  it('refuses a table cut short or empty with LsmCorruptionError', async () => {
    const sim = await tableOn(sampleEntries(50));
    const data = sim.peek(FILE)!;
    await sim.fs.writeFile('/t/cut.sst', data.subarray(0, data.length - 9));
    await sim.fs.writeFile('/t/empty.sst', new Uint8Array(0));
    await sim.fs.writeFile('/t/front.sst', data.subarray(10));
    for (const f of ['/t/cut.sst', '/t/empty.sst', '/t/front.sst']) {
      const err = await openSSTable(sim.fs, f).then(() => undefined, (e: unknown) => e);
      expect(err, f).toBeInstanceOf(LsmCorruptionError);
      expect((err as LsmCorruptionError).file).toBe(f);
    }
  });

  it('rejects entries that are not strictly ascending with RangeError', async () => {
    const sim = new SimFs({ seed: 3 });
    await sim.fs.mkdir('/t');
    await expect(writeSSTable(sim.fs, '/t/a.sst', [{ key: b('b'), value: b('1') }, { key: b('a'), value: b('2') }])).rejects.toThrow(RangeError);
    await expect(writeSSTable(sim.fs, '/t/b.sst', [{ key: b('a'), value: b('1') }, { key: b('a'), value: null }])).rejects.toThrow(RangeError);
    await expect(writeSSTable(sim.fs, '/t/c.sst', [{ key: b('a'), value: b('1') }], { blockBytes: 0 })).rejects.toThrow(RangeError);
  });
});
