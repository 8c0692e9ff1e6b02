/**
 * Stage 4: the bucket in a real Redis, shared by two HTTP servers with their own connections,
 * hammered concurrently. Every key lives under a prefix unique to this run and is deleted after.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rateLimit, RedisStore, RedisTokenBucket } from '#kata/token-bucket';
import { skipWithout, useService } from '#support/services';

const redisService = await useService('redis');
const runPrefix = `kata:token-bucket:${process.pid}:${randomBytes(4).toString('hex')}:`;
let keyCounter = 0;
/** A key no other test (or run) uses. */
const freshKey = (what: string) => `${runPrefix}${what}:${++keyCounter}`;

const connections: Redis[] = [];
/** A new connection, closed after the test, like one app server's own client. */
function connection(): Redis {
  const r = new Redis(redisService.url!, { lazyConnect: false, maxRetriesPerRequest: 1 });
  connections.push(r);
  return r;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  await Promise.all(connections.splice(0).map((r) => r.quit()));
});

afterAll(async () => {
  if (!redisService.url) return;
  const admin = new Redis(redisService.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 500);
      if (keys.length) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await admin.quit();
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` with Date.now and performance.now an hour fast, as on a server whose clock is off. */
async function withClockAhead<T>(fn: () => Promise<T>): Promise<T> {
  const dateNow = Date.now;
  const perfNow = performance.now;
  const skew = 3_600_000;
  Date.now = () => dateNow() + skew;
  performance.now = () => perfNow.call(performance) + skew;
  try {
    return await fn();
  } finally {
    Date.now = dateNow;
    performance.now = perfNow;
  }
}

/** An HTTP server limited through Redis with its own connection. */
async function serveWithRedis(prefix: string, capacity: number, refillPerSecond: number): Promise<string> {
  const store = new RedisStore({ redis: connection(), prefix, capacity, refillPerSecond });
  const mw = rateLimit({ store });
  const server = http.createServer((req, res) =>
    mw(req, res, (err?: unknown) => {
      res.statusCode = err === undefined ? 200 : 500;
      res.end(err === undefined ? 'ok' : String(err));
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('stage 4: distributed with Redis', () => {
  beforeEach(skipWithout(redisService));

  it('a new bucket admits a burst of capacity, then refuses', async () => {
    const bucket = new RedisTokenBucket({ redis: connection(), key: freshKey('burst'), capacity: 5, refillPerSecond: 0.01 });
    const got: boolean[] = [];
    for (let i = 0; i < 7; i++) got.push(await bucket.tryTake());
    expect(got).toEqual([true, true, true, true, true, false, false]);
  });

  it('tryTake(n) takes n or nothing, and more than capacity is refused', async () => {
    const bucket = new RedisTokenBucket({ redis: connection(), key: freshKey('n'), capacity: 5, refillPerSecond: 0.01 });
    expect(await bucket.tryTake(6)).toBe(false);
    expect(await bucket.tryTake(3)).toBe(true);
    expect(await bucket.tryTake(3), 'only 2 left').toBe(false);
    expect(await bucket.tryTake(2), 'the refused call took nothing').toBe(true);
    expect(await bucket.tryTake(0)).toBe(true);
    expect(await bucket.tryTake(1)).toBe(false);
  });

  it('two instances on separate connections share one bucket', async () => {
    const key = freshKey('shared');
    const a = new RedisTokenBucket({ redis: connection(), key, capacity: 4, refillPerSecond: 0.01 });
    const b = new RedisTokenBucket({ redis: connection(), key, capacity: 4, refillPerSecond: 0.01 });
    expect(await a.tryTake(3)).toBe(true);
    expect(await b.tryTake(2), 'a spent 3 of 4').toBe(false);
    expect(await b.tryTake(1)).toBe(true);
    expect(await a.tryTake(1)).toBe(false);
  });

  it('refills by time, capped at capacity even while the key lives on', async () => {
    const redis = connection();
    const key = freshKey('refill');
    const bucket = new RedisTokenBucket({ redis, key, capacity: 3, refillPerSecond: 20 }); // a token per 50 ms
    expect(await bucket.tryTake(3)).toBe(true);
    expect(await bucket.tryTake(1)).toBe(false);
    // The TTL would drop the key as soon as it is full, hiding a missing cap; keep the key so the
    // script's own arithmetic has to hold the line.
    expect(await redis.persist(key), `the bucket must live in the key ${key}`).toBe(1);
    await sleep(300); // 6 tokens' worth of time
    const d = await bucket.take(3);
    expect(d.allowed, 'after 300 ms at 20/s the bucket is full again').toBe(true);
    expect(d.remaining, 'the refill must stop at capacity (3), so taking 3 leaves nothing').toBeLessThan(1);
  });

  it('decisions report remaining tokens, the wait and the time to full', async () => {
    const bucket = new RedisTokenBucket({ redis: connection(), key: freshKey('decision'), capacity: 2, refillPerSecond: 0.001 });
    const first = await bucket.take(1);
    expect(first.allowed).toBe(true);
    expect(first.remaining).toBeCloseTo(1, 3);
    expect(first.retryAfterMs).toBe(0);
    expect(first.resetMs).toBeGreaterThan(999_000);
    expect(first.resetMs).toBeLessThanOrEqual(1_000_000);
    await bucket.take(1);
    const refused = await bucket.take(1);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs, 'one token at 0.001/s is ~1000 s away').toBeGreaterThan(999_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1_000_000);
  });

  it('the key expires once the bucket would be full again, so idle buckets leave nothing behind', async () => {
    const redis = connection();
    const key = freshKey('ttl');
    const bucket = new RedisTokenBucket({ redis, key, capacity: 2, refillPerSecond: 20 }); // 1 token per 50 ms
    expect(await bucket.tryTake(1)).toBe(true);
    const ttl = await redis.pttl(key);
    expect(ttl, `PTTL ${key}: the bucket must live in that one key and carry a TTL`).toBeGreaterThan(0);
    expect(ttl, 'one token short of full at 20/s is 50 ms').toBeLessThanOrEqual(60);
    await sleep(200);
    expect(await redis.exists(key), 'the key should have expired').toBe(0);
    expect(await bucket.tryTake(2), 'an expired bucket is a full one').toBe(true);
  });

  it('uses the Redis server clock: a server whose clock runs an hour fast mints no tokens', async () => {
    const key = freshKey('skew');
    const honest = new RedisTokenBucket({ redis: connection(), key, capacity: 5, refillPerSecond: 0.01 });
    const skewed = new RedisTokenBucket({ redis: connection(), key, capacity: 5, refillPerSecond: 0.01 });
    expect(await honest.tryTake(5)).toBe(true);
    const got = await withClockAhead(async () => [await skewed.tryTake(), await skewed.tryTake()]);
    expect(got, 'an hour of the app clock is 36 tokens at 0.01/s; the bucket must not see it').toEqual([false, false]);
  });

  it('keeps working after SCRIPT FLUSH (EVALSHA falls back to sending the script)', async () => {
    const redis = connection();
    const bucket = new RedisTokenBucket({ redis, key: freshKey('flush'), capacity: 3, refillPerSecond: 0.01 });
    expect(await bucket.tryTake()).toBe(true);
    await redis.script('FLUSH');
    expect(await bucket.tryTake()).toBe(true);
    expect(await bucket.tryTake()).toBe(true);
    expect(await bucket.tryTake()).toBe(false);
  });

  it('invalid arguments throw RangeError (tryTake rejects)', async () => {
    const redis = connection();
    expect(() => new RedisTokenBucket({ redis, key: 'k', capacity: 0, refillPerSecond: 1 })).toThrow(RangeError);
    expect(() => new RedisTokenBucket({ redis, key: 'k', capacity: 3, refillPerSecond: 0 })).toThrow(RangeError);
    expect(() => new RedisStore({ redis, prefix: 'p:', capacity: 1.5, refillPerSecond: 1 })).toThrow(RangeError);
    const bucket = new RedisTokenBucket({ redis, key: freshKey('args'), capacity: 3, refillPerSecond: 1 });
    await expect(bucket.tryTake(-1)).rejects.toThrow(RangeError);
    await expect(bucket.tryTake(1.5)).rejects.toThrow(RangeError);
  });

  it('many concurrent takers on several connections never overspend a bucket', async () => {
    const key = freshKey('race');
    const capacity = 25;
    const rate = 5;
    const buckets = Array.from({ length: 4 }, () => new RedisTokenBucket({ redis: connection(), key, capacity, refillPerSecond: rate }));
    await Promise.all(connections.map((r) => r.ping()));
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => buckets[i % 4]!.tryTake()));
    const elapsed = performance.now() - t0;
    const admitted = results.filter(Boolean).length;
    const bound = capacity + (rate * elapsed) / 1000;
    expect(admitted, `admitted ${admitted} of 200 in ${elapsed.toFixed(0)} ms; capacity + rate·t = ${bound.toFixed(2)}`).toBeLessThanOrEqual(bound);
    expect(admitted, 'a full bucket admits at least its capacity').toBeGreaterThanOrEqual(capacity);
  });

  it('two HTTP servers sharing Redis hold one limit under concurrent load from many clients', async () => {
    const prefix = freshKey('http') + ':';
    const capacity = 20;
    const rate = 2; // slow enough that two separate 20-token limits (40) stay far above the bound
    const origins = [await serveWithRedis(prefix, capacity, rate), await serveWithRedis(prefix, capacity, rate)];
    const pools = origins.map((o) => new Pool(o, { connections: 16 }));
    cleanups.push(async () => {
      await Promise.all(pools.map((p) => p.close()));
    });
    // Warm the connections so the clock below measures the hammering, not connecting.
    await Promise.all(connections.map((r) => r.ping()));
    const t0 = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 160 }, async (_, i) => {
        const res = await pools[i % 2]!.request({ path: '/', method: 'GET' });
        await res.body.text();
        return { server: i % 2, status: res.statusCode, retryAfter: res.headers['retry-after'], limit: res.headers['ratelimit-limit'] };
      }),
    );
    const elapsed = performance.now() - t0;
    const admitted = replies.filter((r) => r.status === 200).length;
    const refused = replies.filter((r) => r.status === 429);
    expect(admitted + refused.length, 'every reply is 200 or 429').toBe(160);
    const bound = capacity + (rate * elapsed) / 1000;
    const perServer = [0, 1].map((s) => replies.filter((r) => r.server === s && r.status === 200).length);
    expect(admitted, `admitted ${admitted} (per server ${perServer.join(' + ')}) in ${elapsed.toFixed(0)} ms; the shared limit allows ${bound.toFixed(2)}`).toBeLessThanOrEqual(bound);
    expect(admitted, 'the shared bucket starts full').toBeGreaterThanOrEqual(capacity);
    for (const r of refused) expect(Number(r.retryAfter), 'every 429 says when to retry').toBeGreaterThanOrEqual(1);
    expect(new Set(replies.map((r) => r.limit))).toEqual(new Set(['20']));
  });
});
