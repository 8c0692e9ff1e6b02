/**
 * Stage 3: the middleware in a real node:http server on an ephemeral port, driven by undici.
 * The limiter's clock is injected, so Retry-After and RateLimit-Reset are checked to the second.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, rateLimit, type Decision, type Middleware, type RateLimitStore } from '#kata/token-bucket';
import { forEachSeed } from '#support/seed';

interface Served {
  origin: string;
  /** Requests the middleware passed on to the handler. */
  hits: number;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A server whose handler answers 200 "ok" after the middleware, or 500 with the error passed to next(err). */
async function serve(mw: Middleware): Promise<Served> {
  const served: Served = { origin: '', hits: 0 };
  const server = http.createServer((req, res) => {
    mw(req, res, (err?: unknown) => {
      if (err !== undefined) {
        res.statusCode = 500;
        res.end(`next(err): ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      served.hits++;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  served.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return served;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A keep-alive connection; `localAddress` picks the client's source address. */
function connect(origin: string, localAddress?: string): (headers?: Record<string, string>) => Promise<Reply> {
  const client = new Client(origin, localAddress ? { localAddress } : {});
  cleanups.push(() => client.close());
  return async (headers = {}) => {
    const res = await client.request({ path: '/', method: 'GET', headers });
    const body = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v);
    return { status: res.statusCode, headers: flat, body };
  };
}

/** A clock the test moves by hand. */
function fakeClock() {
  const clock = { t: 0, now: () => clock.t };
  return clock;
}

describe('stage 3: HTTP middleware', () => {
  it('admits a burst of capacity requests, then answers 429 without calling the handler', async () => {
    const clock = fakeClock();
    const srv = await serve(rateLimit({ capacity: 5, refillPerSecond: 1, now: clock.now }));
    const get = connect(srv.origin);
    for (let i = 0; i < 5; i++) expect((await get()).status, `request ${i + 1}`).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.body.length, '429 carries a short body').toBeGreaterThan(0);
    expect(srv.hits, 'the 429 must not reach the handler').toBe(5);
    clock.t += 1000;
    expect((await get()).status, 'a second later one token is back').toBe(200);
    expect((await get()).status).toBe(429);
    expect(srv.hits).toBe(6);
  });

  it('every response carries RateLimit-Limit, -Remaining, -Reset and -Policy (draft-06)', async () => {
    const clock = fakeClock();
    const srv = await serve(rateLimit({ capacity: 3, refillPerSecond: 1, now: clock.now }));
    const get = connect(srv.origin);
    const seen: Array<[number, string, string, string, string]> = [];
    for (let i = 0; i < 4; i++) {
      const r = await get();
      seen.push([r.status, r.headers['ratelimit-limit']!, r.headers['ratelimit-remaining']!, r.headers['ratelimit-reset']!, r.headers['ratelimit-policy']!]);
    }
    // Remaining counts what is left after this request; Reset is the whole seconds (rounded up)
    // until the bucket is full again; the policy is `capacity;w=seconds to refill from empty`.
    expect(seen).toEqual([
      [200, '3', '2', '1', '3;w=3'],
      [200, '3', '1', '2', '3;w=3'],
      [200, '3', '0', '3', '3;w=3'],
      [429, '3', '0', '3', '3;w=3'],
    ]);
    clock.t += 1500; // 1.5 tokens back
    const r = await get();
    expect([r.status, r.headers['ratelimit-remaining'], r.headers['ratelimit-reset']], '0.5 left, 2.5 s to full').toEqual([200, '0', '3']);
    clock.t += 2500; // full again
    const full = await get();
    expect(full.headers['ratelimit-remaining'], 'after waiting Reset seconds the bucket was full').toBe('2');
  });

  it('RateLimit-Policy rounds the refill window up to whole seconds', async () => {
    const srv = await serve(rateLimit({ capacity: 10, refillPerSecond: 4, now: () => 0 }));
    expect((await connect(srv.origin)()).headers['ratelimit-policy']).toBe('10;w=3');
  });

  it('Retry-After is whole seconds rounded up: 2.5 s to wait says 3, and 1 ms to wait says 1', async () => {
    const clock = fakeClock();
    const srv = await serve(rateLimit({ capacity: 1, refillPerSecond: 0.4, now: clock.now })); // a token per 2.5 s
    const get = connect(srv.origin);
    expect((await get()).status).toBe(200);
    const r1 = await get();
    expect([r1.status, r1.headers['retry-after']]).toEqual([429, '3']);
    clock.t += 1000;
    expect((await get()).headers['retry-after'], '1.5 s to wait').toBe('2');
    clock.t += 1499;
    const r2 = await get();
    expect([r2.status, r2.headers['retry-after']], '1 ms to wait').toEqual([429, '1']);
    clock.t += 1;
    expect((await get()).status).toBe(200);
  });

  it('Retry-After is honest: one second less is still refused, waiting exactly that long gets in', async () => {
    let current: Middleware = (_req, _res, next) => next();
    const srv = await serve((req, res, next) => current(req, res, next));
    const get = connect(srv.origin);
    await forEachSeed(5, async (random) => {
      const clock = fakeClock();
      const capacity = random.int(1, 3);
      const refillPerSecond = random.pick([0.25, 0.4, 0.5, 0.625, 0.8, 1, 1.5, 3]);
      current = rateLimit({ capacity, refillPerSecond, now: clock.now });
      for (let i = 0; i < 10; i++) {
        clock.t += random.pick([0, 0, 10, 250, 999, 1000, 1700]);
        const r = await get();
        if (r.status === 200) continue;
        expect(r.status).toBe(429);
        const raw = r.headers['retry-after'];
        expect(raw, 'Retry-After is a whole number of seconds').toMatch(/^[1-9]\d*$/);
        const s = Number(raw);
        const ctx = `capacity ${capacity}, ${refillPerSecond}/s, refused at t=${clock.t} ms with Retry-After: ${s}`;
        if (s >= 2) {
          clock.t += (s - 1) * 1000;
          expect((await get()).status, `${ctx}: ${s - 1} s later it was already admitted, so Retry-After was too long`).toBe(429);
          clock.t += 1000;
        } else {
          clock.t += 1000;
        }
        expect((await get()).status, `${ctx}: after waiting that long it was still refused`).toBe(200);
      }
    });
  });

  it('buckets are per key: one client spending its tokens does not limit another', async () => {
    const clock = fakeClock();
    const srv = await serve(rateLimit({ capacity: 2, refillPerSecond: 1, now: clock.now, key: (req) => String(req.headers['x-api-key']) }));
    const get = connect(srv.origin);
    const alice = { 'x-api-key': 'alice' };
    const bob = { 'x-api-key': 'bob' };
    expect((await get(alice)).status).toBe(200);
    expect((await get(alice)).status).toBe(200);
    expect((await get(alice)).status).toBe(429);
    const b = await get(bob);
    expect([b.status, b.headers['ratelimit-remaining']], 'bob has his own full bucket').toEqual([200, '1']);
    expect((await get(bob)).status).toBe(200);
    expect((await get(bob)).status).toBe(429);
    expect((await get(alice)).status).toBe(429);
  });

  it('the default key is the client address: two connections from one address share a bucket', async () => {
    const srv = await serve(rateLimit({ capacity: 3, refillPerSecond: 1, now: () => 0 }));
    const one = connect(srv.origin);
    const two = connect(srv.origin);
    expect((await one()).status).toBe(200);
    expect((await two()).status).toBe(200);
    expect((await one()).status).toBe(200);
    expect((await two()).status, 'same address, same bucket, whatever the connection').toBe(429);
  });

  it.runIf(process.platform === 'linux')('the default key is the client address: another loopback address gets its own bucket', async () => {
    const srv = await serve(rateLimit({ capacity: 1, refillPerSecond: 1, now: () => 0 }));
    const from1 = connect(srv.origin, '127.0.0.1');
    const from2 = connect(srv.origin, '127.0.0.2');
    expect((await from1()).status).toBe(200);
    expect((await from1()).status).toBe(429);
    expect((await from2()).status, '127.0.0.2 is another client').toBe(200);
  });

  it('an asynchronous store is awaited, and a failing store reaches next(err) instead of the handler', async () => {
    const inner = new MemoryStore({ capacity: 1, refillPerSecond: 1, now: () => 0 });
    const slow: RateLimitStore = {
      capacity: 1,
      refillPerSecond: 1,
      take: async (key: string, tokens: number): Promise<Decision> => {
        await new Promise((r) => setTimeout(r, 5));
        return inner.take(key, tokens);
      },
    };
    const srv = await serve(rateLimit({ store: slow }));
    const get = connect(srv.origin);
    expect((await get()).status).toBe(200);
    const refused = await get();
    expect([refused.status, refused.headers['retry-after'], refused.headers['ratelimit-limit']]).toEqual([429, '1', '1']);
    expect(srv.hits).toBe(1);

    const broken = (sync: boolean): RateLimitStore => ({
      capacity: 1,
      refillPerSecond: 1,
      take: sync
        ? () => {
            throw new Error('store is down');
          }
        : () => Promise.reject(new Error('store is down')),
    });
    for (const sync of [false, true]) {
      const down = await serve(rateLimit({ store: broken(sync) }));
      const r = await connect(down.origin)();
      expect([r.status, r.body], sync ? 'a store that throws' : 'a store that rejects').toEqual([500, 'next(err): store is down']);
      expect(down.hits).toBe(0);
    }
  });

  it('MemoryStore drops buckets once they are full again, so idle clients do not leak memory', () => {
    const clock = fakeClock();
    const store = new MemoryStore({ capacity: 4, refillPerSecond: 2, now: clock.now }); // 2 s from empty to full
    for (let i = 0; i < 1000; i++) expect(store.take(`client-${i}`, 1).allowed).toBe(true);
    expect(store.size).toBe(1000);
    clock.t += 2001;
    store.take('newcomer', 1);
    expect(store.size, 'the 1000 idle, full buckets are gone; the newcomer stays').toBe(1);
  });

  it('MemoryStore.sweep drops full buckets only: a bucket still refilling keeps its debt', () => {
    const clock = fakeClock();
    const store = new MemoryStore({ capacity: 5, refillPerSecond: 1, now: clock.now });
    for (let i = 0; i < 5; i++) store.take('busy', 1);
    store.take('light', 1);
    clock.t += 2000; // busy has 2 tokens, light is full again
    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(1);
    const got = [store.take('busy', 1), store.take('busy', 1), store.take('busy', 1)].map((d) => d.allowed);
    expect(got, 'busy had 2 tokens; a fresh bucket would have had 5').toEqual([true, true, false]);
  });

  it('MemoryStore decisions report remaining tokens, the wait and the time to full', () => {
    const clock = fakeClock();
    const store = new MemoryStore({ capacity: 2, refillPerSecond: 0.5, now: clock.now });
    expect(store.take('k', 1)).toMatchObject({ allowed: true, remaining: 1, retryAfterMs: 0, resetMs: 2000 });
    expect(store.take('k', 1)).toMatchObject({ allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 4000 });
    expect(store.take('k', 1)).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 2000, resetMs: 4000 });
    clock.t += 500;
    const d = store.take('k', 1);
    expect([d.allowed, d.retryAfterMs, d.resetMs]).toEqual([false, 1500, 3500]);
    expect(d.remaining).toBeCloseTo(0.25, 9);
  });

  it('invalid limits throw RangeError: capacity not a positive integer, refillPerSecond not > 0', () => {
    expect(() => rateLimit({ capacity: 0, refillPerSecond: 1 })).toThrow(RangeError);
    expect(() => rateLimit({ capacity: 2.5, refillPerSecond: 1 })).toThrow(RangeError);
    expect(() => rateLimit({ capacity: 5, refillPerSecond: 0 })).toThrow(RangeError);
    expect(() => new MemoryStore({ capacity: 5, refillPerSecond: -1 })).toThrow(RangeError);
    expect(() => new MemoryStore({ capacity: -5, refillPerSecond: 1 })).toThrow(RangeError);
  });
});
