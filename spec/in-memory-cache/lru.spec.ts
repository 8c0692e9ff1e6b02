import type Redis from 'ioredis';
import { describe, expect, test } from 'vitest';
import { ENTRY_OVERHEAD } from '#kata/in-memory-cache';
import { checkProperty, fc } from '#support/property';
import { rng, withSeed } from '#support/seed';
import { info, withServer } from './helpers.ts';

const usedMemory = async (c: Redis) => Number((await info(c)).used_memory);

/**
 * The Redis LRU experiment: fill the cache, read the older half again, then write half as many
 * new keys. True LRU evicts exactly the half that was not read; counts what survived of each.
 */
async function lruExperiment(seed: number, samples: number) {
  const capacity = 1000;
  const key = (i: number) => `key:${String(i).padStart(5, '0')}`;
  const value = 'v'.repeat(100);
  const entry = key(0).length + value.length + ENTRY_OVERHEAD;
  return withServer({ maxmemory: capacity * entry, maxmemorySamples: samples, random: rng(seed) }, async ({ client }) => {
    const c = await client();
    const run = async (build: (p: ReturnType<Redis['pipeline']>) => void) => {
      const p = c.pipeline();
      build(p);
      for (const [err] of (await p.exec())!) if (err) throw err;
    };
    await run((p) => {
      for (let i = 0; i < capacity; i++) p.set(key(i), value);
    });
    expect(await c.dbsize(), 'a full cache evicts nothing').toBe(capacity);
    await run((p) => {
      for (let i = 0; i < capacity / 2; i++) p.get(key(i));
    });
    await run((p) => {
      for (let i = capacity; i < capacity * 1.5; i++) p.set(key(i), value);
    });
    const alive = async (from: number, to: number) => {
      const keys = Array.from({ length: to - from }, (_, i) => key(from + i));
      return (await c.exists(...keys)) as number;
    };
    const recent = await alive(0, capacity / 2);
    const old = await alive(capacity / 2, capacity);
    const fresh = await alive(capacity, capacity * 1.5);
    return { recent, old, fresh, evicted: Number((await info(c)).evicted_keys), size: await c.dbsize() };
  });
}

describe('stage 4: maxmemory and LRU', () => {
  test('used_memory counts key bytes + value bytes + ENTRY_OVERHEAD for every key', async () => {
    await withServer({}, async ({ client, server }) => {
      const c = await client();
      expect(await usedMemory(c)).toBe(0);
      await c.set('k', 'hello');
      expect(await usedMemory(c)).toBe(1 + 5 + ENTRY_OVERHEAD);
      await c.set('k', 'hi');
      expect(await usedMemory(c)).toBe(1 + 2 + ENTRY_OVERHEAD);
      await c.set('kk', '');
      expect(await usedMemory(c)).toBe(3 + 2 + 2 * ENTRY_OVERHEAD);
      await c.incr('n'); // "1"
      for (let i = 0; i < 9; i++) await c.incr('n'); // "10"
      expect(await usedMemory(c)).toBe(3 + 2 + 3 + 3 * ENTRY_OVERHEAD);
      await c.del('k');
      expect(await usedMemory(c)).toBe(2 + 3 + 2 * ENTRY_OVERHEAD);
      await c.set(Buffer.from('ключ'), Buffer.from([1, 2, 3])); // 8 bytes of UTF-8 key
      expect(await usedMemory(c)).toBe(2 + 3 + 8 + 3 + 3 * ENTRY_OVERHEAD);
      expect(server.stats().usedMemory).toBe(await usedMemory(c));
      await c.flushall();
      expect(await usedMemory(c)).toBe(0);
    });
  });

  test('with maxmemory 0 (the default) nothing is ever evicted', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      const p = c.pipeline();
      for (let i = 0; i < 1000; i++) p.set(`k${i}`, 'x'.repeat(100));
      await p.exec();
      expect(await c.dbsize()).toBe(1000);
      expect((await info(c)).evicted_keys).toBe('0');
    });
  });

  test('under maxmemory, used memory never passes the limit by more than the last write', async () => {
    const entry = 'key:0000'.length + 100 + ENTRY_OVERHEAD;
    const maxmemory = 20_000;
    await withServer({ maxmemory, random: rng(1) }, async ({ client, server }) => {
      const c = await client();
      for (let i = 0; i < 1000; i++) {
        expect(await c.set(`key:${String(i).padStart(4, '0')}`, 'v'.repeat(100))).toBe('OK');
        const used = server.stats().usedMemory;
        if (used > maxmemory + entry) throw new Error(`after ${i + 1} writes used memory is ${used}, limit ${maxmemory}`);
      }
      const size = await c.dbsize(); // a command: it evicts what the last SET overshot
      expect(size).toBe(Math.floor(maxmemory / entry));
      expect(await usedMemory(c)).toBeLessThanOrEqual(maxmemory);
      expect(Number((await info(c)).evicted_keys)).toBe(1000 - size);
      expect(server.stats().evictedKeys).toBe(1000 - size);
    });
  });

  test('eviction is exact LRU when there are no more keys than maxmemorySamples (model check)', async () => {
    // Up to 8 keys and 16 samples: every eviction must take the least recently used key.
    const key = fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7');
    const op = fc.oneof(
      fc.tuple(fc.constant('set'), key, fc.nat({ max: 60 })),
      fc.tuple(fc.constant('set'), key, fc.nat({ max: 60 })),
      fc.tuple(fc.constant('get'), key, fc.constant(0)),
      fc.tuple(fc.constant('get'), key, fc.constant(0)),
      fc.tuple(fc.constant('exists'), key, fc.constant(0)),
      fc.tuple(fc.constant('del'), key, fc.constant(0)),
    );
    const maxmemory = 300;
    await withServer({ maxmemory, maxmemorySamples: 16, random: rng(3) }, async ({ client }) => {
      const c = await client();
      await checkProperty(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
          await c.flushall();
          // The model: size and last use of each key; evict before every command, like Redis.
          const model = new Map<string, { value: string; lastUse: number }>();
          let clock = 0;
          let used = 0;
          const size = (k: string, v: string) => k.length + v.length + ENTRY_OVERHEAD;
          const evict = () => {
            while (used > maxmemory && model.size > 0) {
              let victim: string | undefined;
              for (const [k, e] of model) if (victim === undefined || e.lastUse < model.get(victim)!.lastUse) victim = k;
              used -= size(victim!, model.get(victim!)!.value);
              model.delete(victim!);
            }
          };
          const expected: unknown[] = [];
          const p = c.pipeline();
          for (const [name, k, n] of ops) {
            evict();
            const e = model.get(k);
            if (name === 'set') {
              const v = 'x'.repeat(n);
              used += size(k, v) - (e ? size(k, e.value) : 0);
              model.set(k, { value: v, lastUse: ++clock });
              p.set(k, v);
              expected.push('OK');
            } else if (name === 'get') {
              if (e) e.lastUse = ++clock;
              p.get(k);
              expected.push(e ? e.value : null);
            } else if (name === 'exists') {
              p.exists(k); // looks without touching
              expected.push(e ? 1 : 0);
            } else {
              if (e) {
                used -= size(k, e.value);
                model.delete(k);
              }
              p.del(k);
              expected.push(e ? 1 : 0);
            }
          }
          evict();
          p.dbsize();
          expected.push(model.size);
          const replies = (await p.exec())!.map(([err, v]) => (err ? `error: ${(err as Error).message}` : v));
          expect(replies).toEqual(expected);
          expect(await usedMemory(c)).toBe(used);
        }),
        { numRuns: 150 },
      );
    });
  });

  test('GET, MGET, INCR and EXPIRE count as a use; EXISTS and TTL do not', async () => {
    const entry = 2 + 1 + ENTRY_OVERHEAD; // keys 'k1'.., one-byte values
    await withServer({ maxmemory: 3 * entry, maxmemorySamples: 10 }, async ({ client }) => {
      const c = await client();
      const survivors = async () => (await c.mget('k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7')).map((v, i) => (v === null ? '' : `k${i + 1}`)).filter(Boolean);
      await c.set('k1', '1');
      await c.set('k2', '2');
      await c.set('k3', '3');
      await c.get('k1'); // now k2 is the oldest
      await c.set('k4', '4');
      expect(await c.dbsize()).toBe(3);
      expect(await c.exists('k2')).toBe(0);
      await c.exists('k3'); // no use: k3 stays the oldest
      await c.ttl('k3');
      await c.set('k5', '5');
      expect(await c.dbsize()).toBe(3);
      expect(await c.exists('k3')).toBe(0);
      // Left: k1, k4, k5 (k1 oldest). Use k1 in three other ways, so k4 goes next, then k5.
      await c.mget('k1');
      await c.set('k6', '6');
      await c.incr('k1');
      await c.set('k7', '7');
      expect(await survivors()).toEqual(['k1', 'k6', 'k7']);
      await c.expire('k1', 100); // EXPIRE is a use too: k6 goes
      await c.set('k2', '2');
      expect(await c.exists('k1', 'k6', 'k7', 'k2')).toBe(3);
      expect(await c.exists('k6')).toBe(0);
    });
  });

  test('approximated LRU (5 samples) keeps most recently used keys and evicts mostly old ones', async () => {
    await withSeed(async (random) => {
      const r = await lruExperiment(random.int(1, 2 ** 30), 5);
      // True LRU: recent 500, old 0, fresh 500. Five samples per eviction typically give about
      // 385 / 115 / 498; evicting a random key instead gives about 305 / 305 / 395.
      expect(r.recent, 'recently read keys kept (of 500)').toBeGreaterThanOrEqual(360);
      expect(r.old, 'old keys kept (of 500)').toBeLessThanOrEqual(150);
      expect(r.fresh, 'new keys kept (of 500)').toBeGreaterThanOrEqual(480);
      expect(r.evicted + r.size).toBe(1500);
    });
  });

  test('more maxmemorySamples approximate LRU more closely', async () => {
    await withSeed(async (random) => {
      const seed = random.int(1, 2 ** 30);
      const five = await lruExperiment(seed, 5);
      const ten = await lruExperiment(seed, 10);
      // Ten samples typically keep about 437 of the recently read keys, five about 385.
      expect(ten.recent).toBeGreaterThan(five.recent + 20);
      expect(ten.old).toBeLessThan(five.old);
    });
  });
});
