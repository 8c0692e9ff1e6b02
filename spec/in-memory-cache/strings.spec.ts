import { beforeEach, describe, expect, test } from 'vitest';
import { checkProperty, fc } from '#support/property';
import { skipWithout, useService } from '#support/services';
import { assertSameReplies, connectRealRedis, newPrefix, opsArbitrary } from './differential.ts';
import { createCacheServer } from '#kata/in-memory-cache';
import { command, errorOf, text, withServer } from './helpers.ts';

const realRedis = await useService('redis');
const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';

describe('stage 2: strings and keys', () => {
  test('an ioredis client connects (its INFO ready check passes) and PING replies PONG', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      expect(c.status).toBe('ready');
      expect(await c.ping()).toBe('PONG');
      expect(await c.ping('hello')).toBe('hello');
    });
  });

  test('createCacheServer rejects nonsense options with a RangeError', () => {
    expect(() => createCacheServer({ maxmemory: -1 })).toThrow(RangeError);
    expect(() => createCacheServer({ maxmemorySamples: 0 })).toThrow(RangeError);
    expect(() => createCacheServer({ activeExpiry: { hz: 0, sample: 20 } })).toThrow(RangeError);
    expect(() => createCacheServer({ activeExpiry: { hz: 10, sample: 0 } })).toThrow(RangeError);
  });

  test('SET stores a value that GET returns; GET of a missing key is nil', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      expect(await c.get('k')).toBeNull();
      expect(await c.set('k', 'v1')).toBe('OK');
      expect(await c.get('k')).toBe('v1');
      expect(await c.set('k', 'v2')).toBe('OK');
      expect(await c.get('k')).toBe('v2');
      expect(await c.set('empty', '')).toBe('OK');
      expect(await c.get('empty')).toBe('');
    });
  });

  test('keys and values are binary-safe: every byte, CRLF included, survives', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      const value = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const key = Buffer.from([0, 13, 10, 255, 32, 42]);
      await c.set(key, value);
      expect((await c.getBuffer(key))!.equals(value)).toBe(true);
      expect(await c.exists(key)).toBe(1);
      expect(await c.exists(Buffer.from([0, 13, 10, 255, 32]))).toBe(0);
      await c.set('utf8', 'héllo wörld €');
      expect(await c.get('utf8')).toBe('héllo wörld €');
    });
  });

  test('SET NX writes only a missing key, SET XX only an existing one; a skipped SET replies nil', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      expect(await c.set('k', 'x', 'XX')).toBeNull();
      expect(await c.get('k')).toBeNull();
      expect(await c.set('k', 'first', 'NX')).toBe('OK');
      expect(await c.set('k', 'second', 'NX')).toBeNull();
      expect(await c.get('k')).toBe('first');
      expect(await c.set('k', 'third', 'XX')).toBe('OK');
      expect(await c.get('k')).toBe('third');
      expect(await c.call('set', 'k', 'fourth', 'nx')).toBeNull();
    });
  });

  test('SET rejects conflicting or unknown options with ERR syntax error', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      expect(await errorOf(c.call('set', 'k', 'v', 'NX', 'XX'))).toBe('ERR syntax error');
      expect(await errorOf(c.call('set', 'k', 'v', 'XX', 'NX'))).toBe('ERR syntax error');
      expect(await errorOf(c.call('set', 'k', 'v', 'bogus'))).toBe('ERR syntax error');
      expect(await c.exists('k')).toBe(0);
    });
  });

  test('DEL and EXISTS reply with counts; EXISTS counts a repeated key each time, DEL once', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      await c.mset('a', '1', 'b', '2', 'c', '3');
      expect(await c.exists('a', 'a', 'b', 'nope')).toBe(3);
      expect(await c.del('a', 'a', 'nope')).toBe(1);
      expect(await c.exists('a')).toBe(0);
      expect(await c.del('b', 'c')).toBe(2);
      expect(await c.dbsize()).toBe(0);
    });
  });

  test('INCR and DECR treat a missing key as 0 and reply with the new value', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      expect(await c.incr('n')).toBe(1);
      expect(await c.incr('n')).toBe(2);
      expect(await c.decr('n')).toBe(1);
      expect(await c.decr('m')).toBe(-1);
      expect(await c.get('n')).toBe('1');
      await c.set('s', '-41');
      expect(await c.decr('s')).toBe(-42);
      expect(await c.get('s')).toBe('-42');
    });
  });

  test('INCR rejects values that are not 64-bit integers and leaves them unchanged', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      for (const bad of ['abc', '', ' 1', '1 ', '+1', '01', '-0', '1.0', '1e3', '0x10', '9223372036854775808', '-9223372036854775809']) {
        await c.set('k', bad);
        expect(await errorOf(c.incr('k')), JSON.stringify(bad)).toBe(NOT_AN_INTEGER);
        expect(await errorOf(c.decr('k')), JSON.stringify(bad)).toBe(NOT_AN_INTEGER);
        expect(await c.get('k')).toBe(bad);
      }
    });
  });

  test('INCR and DECR are exact at the 64-bit limits and refuse to overflow', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client({ stringNumbers: true });
      await c.set('max', '9223372036854775806');
      expect(await c.incr('max')).toBe('9223372036854775807');
      expect(await errorOf(c.incr('max'))).toBe('ERR increment or decrement would overflow');
      expect(await c.get('max')).toBe('9223372036854775807');
      await c.set('min', '-9223372036854775807');
      expect(await c.decr('min')).toBe('-9223372036854775808');
      expect(await errorOf(c.decr('min'))).toBe('ERR increment or decrement would overflow');
      await c.set('big', '9007199254740993'); // 2^53 + 1: a double would round it
      expect(await c.incr('big')).toBe('9007199254740994');
      expect(await c.incr('big')).toBe('9007199254740995');
    });
  });

  test('MSET sets many keys; MGET reads them in order with nil for missing keys', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      expect(await c.mset('a', '1', 'b', '2', 'a', '3')).toBe('OK');
      expect(await c.mget('a', 'nope', 'b', 'a')).toEqual(['3', null, '2', '3']);
      expect(await errorOf(c.call('mset', 'a', '1', 'b'))).toBe("ERR wrong number of arguments for 'mset' command");
      expect(await c.get('b')).toBe('2');
    });
  });

  test('FLUSHALL removes every key; FLUSHALL SYNC/ASYNC too; other arguments are a syntax error', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      await c.mset('a', '1', 'b', '2');
      expect(await c.dbsize()).toBe(2);
      expect(await errorOf(c.call('flushall', 'now'))).toBe('ERR syntax error');
      expect(await c.dbsize()).toBe(2);
      expect(await c.flushall()).toBe('OK');
      expect(await c.dbsize()).toBe(0);
      expect(await c.get('a')).toBeNull();
      await c.set('a', '1');
      expect(await c.call('FLUSHALL', 'async')).toBe('OK');
      expect(await c.dbsize()).toBe(0);
    });
  });

  test('command names are case-insensitive', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      expect(await c.call('sEt', 'k', 'v')).toBe('OK');
      expect(await c.call('GET', 'k')).toBe('v');
      expect(await c.call('Exists', 'k')).toBe(1);
    });
  });

  test("wrong argument counts get Redis's error naming the command in lower case", async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      const cases: Array<[string[], string]> = [
        [['GET'], 'get'],
        [['get', 'a', 'b'], 'get'],
        [['SET', 'k'], 'set'],
        [['DEL'], 'del'],
        [['EXISTS'], 'exists'],
        [['INCR'], 'incr'],
        [['DECR', 'a', 'b'], 'decr'],
        [['MGET'], 'mget'],
        [['MSET', 'k'], 'mset'],
        [['PING', 'a', 'b'], 'ping'],
        [['DBSIZE', 'x'], 'dbsize'],
      ];
      for (const [[name, ...args], shown] of cases) {
        expect(await errorOf(c.call(name!, ...args))).toBe(`ERR wrong number of arguments for '${shown}' command`);
      }
    });
  });

  test("an unknown command gets Redis's error quoting its name and first arguments", async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      expect(await errorOf(c.call('FOO', 'a', 'b c'))).toBe("ERR unknown command 'FOO', with args beginning with: 'a' 'b c' ");
      expect(await errorOf(c.call('nope'))).toBe("ERR unknown command 'nope', with args beginning with: ");
      // Redis stops quoting arguments once about 128 bytes are shown.
      const long = 'x'.repeat(100);
      expect(await errorOf(c.call('nope', long, long, long))).toBe(
        `ERR unknown command 'nope', with args beginning with: '${long}' '${'x'.repeat(128 - 103)}' `,
      );
    });
  });

  test('a 1000-command ioredis pipeline() gets 1000 replies in order', async () => {
    await withServer({}, async ({ client }) => {
      const c = await client();
      const p = c.pipeline();
      for (let i = 0; i < 250; i++) p.set(`k${i}`, `v${i}`).incr('counter').get(`k${i}`).exists(`k${i}`, 'nope');
      const results = (await p.exec())!;
      expect(results).toHaveLength(1000);
      for (let i = 0; i < 250; i++) {
        expect(results.slice(4 * i, 4 * i + 4)).toEqual([
          [null, 'OK'],
          [null, i + 1],
          [null, `v${i}`],
          [null, 1],
        ]);
      }
    });
  });

  test('commands written in one packet are all answered, in order', async () => {
    await withServer({}, async ({ raw }) => {
      const r = await raw();
      await r.send(Buffer.concat([command('SET', 'a', '1'), command('INCR', 'a'), Buffer.from('GET a\r\n'), command('GET', 'nope'), command('MGET', 'a', 'nope'), command('PING')]));
      expect((await r.replies(6)).map(text)).toEqual(['+OK', ':2', '2', null, ['2', null], '+PONG']);
    });
  });

  describe('against a real Redis', () => {
    beforeEach(skipWithout(realRedis));

    test('random command sequences get the same replies as from a real Redis', async () => {
      await withServer({}, async ({ client }) => {
        const ours = await client();
        const theirs = await connectRealRedis(realRedis.url!);
        try {
          const prefix = newPrefix();
          await checkProperty(
            fc.asyncProperty(opsArbitrary(prefix, { expiry: false }), (ops) => assertSameReplies(ours, theirs, prefix, ops)),
            { numRuns: 100 },
          );
        } finally {
          theirs.disconnect();
        }
      });
    });
  });
});
