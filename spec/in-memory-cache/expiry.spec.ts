import { beforeEach, describe, expect, test } from 'vitest';
import { checkProperty, fc } from '#support/property';
import { withSeed, rng } from '#support/seed';
import { skipWithout, useService } from '#support/services';
import { assertSameReplies, connectRealRedis, newPrefix, opsArbitrary } from './differential.ts';
import { errorOf, info, manualClock, sleep, withServer } from './helpers.ts';

const realRedis = await useService('redis');

/** A server on a hand-moved clock with the background cycle off: only lazy expiry acts. */
const lazyOnly = (clock: ReturnType<typeof manualClock>) => ({ now: clock.now, activeExpiry: false as const });

describe('stage 3: expiry', () => {
  test('SET PX: the key lives through its deadline and is gone 1 ms after', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      expect(await c.set('k', 'v', 'PX', 100)).toBe('OK');
      clock.advance(99);
      expect(await c.get('k')).toBe('v');
      clock.advance(1); // exactly at the deadline: still there, as in Redis
      expect(await c.get('k')).toBe('v');
      expect(await c.pttl('k')).toBe(0);
      clock.advance(1);
      expect(await c.get('k')).toBeNull();
      expect(await c.exists('k')).toBe(0);
    });
  });

  test('SET EX counts seconds', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      await c.set('k', 'v', 'EX', 10);
      expect(await c.pttl('k')).toBe(10_000);
      clock.advance(10_000);
      expect(await c.get('k')).toBe('v');
      clock.advance(1);
      expect(await c.get('k')).toBeNull();
    });
  });

  test('TTL and PTTL reply -2 for a missing key, -1 for a key without TTL, the time left otherwise', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      expect(await c.ttl('nope')).toBe(-2);
      expect(await c.pttl('nope')).toBe(-2);
      await c.set('plain', 'v');
      expect(await c.ttl('plain')).toBe(-1);
      expect(await c.pttl('plain')).toBe(-1);
      await c.set('k', 'v', 'PX', 5000);
      clock.advance(1234);
      expect(await c.pttl('k')).toBe(3766);
      expect(await c.ttl('k')).toBe(4);
    });
  });

  test('TTL rounds the time left to the nearest second, like Redis', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      for (const [leftMs, ttl] of [[10_000, 10], [1500, 2], [1499, 1], [1001, 1], [999, 1], [500, 1], [499, 0], [1, 0]] as const) {
        await c.set('k', 'v', 'PX', leftMs);
        expect(await c.ttl('k'), `${leftMs} ms left`).toBe(ttl);
      }
      await c.set('k', 'v', 'PX', 2600);
      clock.advance(2600);
      expect(await c.ttl('k'), 'at the deadline').toBe(0);
    });
  });

  test('EXPIRE and PEXPIRE set a TTL on an existing key (1) and do nothing to a missing key (0)', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      expect(await c.expire('nope', 10)).toBe(0);
      expect(await c.exists('nope')).toBe(0);
      await c.set('k', 'v');
      expect(await c.expire('k', 10)).toBe(1);
      expect(await c.pttl('k')).toBe(10_000);
      expect(await c.pexpire('k', 2500)).toBe(1);
      expect(await c.pttl('k')).toBe(2500);
      clock.advance(2501);
      expect(await c.get('k')).toBeNull();
      expect(await c.expire('k', 10)).toBe(0);
    });
  });

  test('EXPIRE with a time that is not in the future deletes the key at once', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      await c.mset('a', '1', 'b', '2', 'c', '3');
      expect(await c.expire('a', 0)).toBe(1);
      expect(await c.expire('b', -5)).toBe(1);
      expect(await c.pexpire('c', 0)).toBe(1);
      expect(await c.dbsize()).toBe(0);
      expect(await c.get('a')).toBeNull();
    });
  });

  test('EX, PX, EXPIRE and PEXPIRE check their argument with Redis\'s error messages', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      await c.set('k', 'v');
      const cases: Array<[string[], string]> = [
        [['set', 'k', 'v', 'EX', '0'], "ERR invalid expire time in 'set' command"],
        [['set', 'k', 'v', 'EX', '-1'], "ERR invalid expire time in 'set' command"],
        [['set', 'k', 'v', 'PX', '0'], "ERR invalid expire time in 'set' command"],
        [['set', 'k', 'v', 'EX', '9223372036854775807'], "ERR invalid expire time in 'set' command"],
        [['set', 'k', 'v', 'EX', '9223372036854775'], "ERR invalid expire time in 'set' command"],
        [['set', 'k', 'v', 'PX', '9223372036854775807'], "ERR invalid expire time in 'set' command"],
        [['set', 'k', 'v', 'EX', 'ten'], 'ERR value is not an integer or out of range'],
        [['set', 'k', 'v', 'EX', '1.5'], 'ERR value is not an integer or out of range'],
        [['set', 'k', 'v', 'EX'], 'ERR syntax error'],
        [['set', 'k', 'v', 'EX', '10', 'PX', '100'], 'ERR syntax error'],
        [['set', 'k', 'v', 'EX', '10', 'KEEPTTL'], 'ERR syntax error'],
        [['set', 'k', 'v', 'KEEPTTL', 'PX', '10'], 'ERR syntax error'],
        [['expire', 'k', 'soon'], 'ERR value is not an integer or out of range'],
        [['expire', 'k', '9223372036854776'], "ERR invalid expire time in 'expire' command"],
        [['expire', 'k', '-9223372036854776'], "ERR invalid expire time in 'expire' command"],
        [['expire', 'nope', '9223372036854775'], "ERR invalid expire time in 'expire' command"],
        [['pexpire', 'k', '9223372036854775807'], "ERR invalid expire time in 'pexpire' command"],
      ];
      for (const [[name, ...args], message] of cases) expect(await errorOf(c.call(name!, ...args)), args.join(' ')).toBe(message);
      // None of them touched the key.
      expect(await c.get('k')).toBe('v');
      expect(await c.ttl('k')).toBe(-1);
    });
  });

  test('a plain SET clears the TTL, SET KEEPTTL keeps it, MSET clears it, INCR keeps it', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      await c.set('k', 'v', 'EX', 100);
      await c.set('k', 'w');
      expect(await c.ttl('k')).toBe(-1);
      await c.set('k', 'v', 'EX', 100);
      await c.set('k', 'w', 'KEEPTTL');
      expect(await c.ttl('k')).toBe(100);
      expect(await c.get('k')).toBe('w');
      await c.mset('k', 'x');
      expect(await c.ttl('k')).toBe(-1);
      await c.set('n', '5', 'EX', 100);
      expect(await c.incr('n')).toBe(6);
      expect(await c.ttl('n')).toBe(100);
      await c.set('k', 'v', 'EX', 100);
      await c.set('k', 'v2', 'XX');
      expect(await c.ttl('k')).toBe(-1);
    });
  });

  test('lazy expiry: an expired key stays in DBSIZE until a command touches it', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      await c.set('k', 'v', 'PX', 10);
      await c.set('keep', 'v');
      clock.advance(11);
      expect(await c.dbsize()).toBe(2); // nobody has looked: the key is still stored
      expect(await c.get('k')).toBeNull();
      expect(await c.dbsize()).toBe(1);
      expect((await info(c)).expired_keys).toBe('1');
    });
  });

  test('every command sees an expired key as missing: EXISTS, DEL, MGET, TTL, INCR, SET NX/XX', async () => {
    const clock = manualClock();
    await withServer(lazyOnly(clock), async ({ client }) => {
      const c = await client();
      const expired = async (key: string, value = 'v') => {
        await c.set(key, value, 'PX', 10);
        clock.advance(11);
      };
      await expired('a');
      expect(await c.exists('a')).toBe(0);
      await expired('a');
      expect(await c.del('a')).toBe(0);
      await expired('a');
      expect(await c.mget('a')).toEqual([null]);
      await expired('a');
      expect(await c.ttl('a')).toBe(-2);
      await expired('n', '41');
      expect(await c.incr('n')).toBe(1);
      expect(await c.ttl('n')).toBe(-1);
      await expired('a');
      expect(await c.set('a', 'x', 'XX')).toBeNull();
      expect(await c.set('a', 'y', 'NX')).toBe('OK');
      expect(await c.get('a')).toBe('y');
    });
  });

  // These two drive activeExpireCycle() by hand (activeExpiry: false stops only the timer; a
  // cycle still samples 20 keys per round).
  test('the active cycle removes expired keys that nobody reads', async () => {
    const clock = manualClock();
    await withSeed(async (random) => {
      await withServer({ now: clock.now, activeExpiry: false, random: random.next }, async ({ server, client }) => {
        const c = await client();
        const p = c.pipeline();
        for (let i = 0; i < 500; i++) p.set(`short:${i}`, 'v', 'PX', 100);
        for (let i = 0; i < 100; i++) p.set(`plain:${i}`, 'v');
        await p.exec();
        expect(server.activeExpireCycle()).toBe(0); // nothing is due yet
        clock.advance(101);
        // Every key with a TTL is due, so every round is all expired and the cycle keeps going
        // (a cycle also stops at its ~25 ms budget on a busy machine: run until one finds none).
        let removed = 0;
        for (let n = server.activeExpireCycle(); n > 0; n = server.activeExpireCycle()) removed += n;
        expect(removed).toBe(500);
        expect(await c.dbsize()).toBe(100);
        expect((await info(c)).expired_keys).toBe('500');
        expect(await c.get('plain:7')).toBe('v');
      });
    });
  });

  test('an active cycle stops after a round or two when few sampled keys are expired, and leaves keys not due', async () => {
    const clock = manualClock();
    await withSeed(async (random) => {
      let draws = 0;
      const counted = () => {
        draws++;
        return random.next();
      };
      await withServer({ now: clock.now, activeExpiry: false, random: counted }, async ({ server, client }) => {
        const c = await client();
        const p = c.pipeline();
        for (let i = 0; i < 50; i++) p.set(`soon:${i}`, 'v', 'PX', 100);
        for (let i = 0; i < 1950; i++) p.set(`later:${i}`, 'v', 'EX', 3600);
        await p.exec();
        clock.advance(101);
        // 2.5% of the keys with a TTL are due: a sample of 20 almost never has more than a
        // quarter expired, so the cycle stops after one round instead of walking every key.
        draws = 0;
        const removed = server.activeExpireCycle();
        expect(draws, 'random numbers drawn by one cycle (20 per round)').toBeLessThanOrEqual(200);
        expect(removed).toBeLessThan(50);
        expect(await c.dbsize()).toBe(2000 - removed);
        // Repeated cycles get them all eventually, and never a key that is not due.
        for (let i = 0; i < 10_000 && server.stats().keys > 1950; i++) server.activeExpireCycle();
        expect(await c.dbsize()).toBe(1950);
        expect(await c.exists('later:0', 'later:1949')).toBe(2);
      });
    });
  });

  test('the timer runs the active cycle by itself, hz times a second', async () => {
    await withServer({ activeExpiry: { hz: 50, sample: 20 }, random: rng(7) }, async ({ client }) => {
      const c = await client();
      const p = c.pipeline();
      for (let i = 0; i < 200; i++) p.set(`k${i}`, 'v', 'PX', 30);
      p.set('stays', 'v');
      await p.exec();
      const deadline = Date.now() + 3000;
      let size = await c.dbsize();
      while (size > 1 && Date.now() < deadline) {
        await sleep(25);
        size = await c.dbsize(); // DBSIZE counts expired keys too, so only the cycle can lower it
      }
      expect(size).toBe(1);
    });
  });

  describe('against a real Redis', () => {
    beforeEach(skipWithout(realRedis));

    test('random sequences with EX, PX, KEEPTTL, EXPIRE, PEXPIRE, TTL and PTTL match a real Redis', async () => {
      await withServer({}, async ({ client }) => {
        const ours = await client();
        const theirs = await connectRealRedis(realRedis.url!);
        try {
          const prefix = newPrefix();
          await checkProperty(
            fc.asyncProperty(opsArbitrary(prefix, { expiry: true }), (ops) => assertSameReplies(ours, theirs, prefix, ops)),
            { numRuns: 100 },
          );
        } finally {
          theirs.disconnect();
        }
      });
    });
  });
});
