/**
 * Stages 1-4: the pool against an in-process fake factory (fast and deterministic). Stage 5, in
 * mariadb.spec.ts, repeats the essentials with real MariaDB connections.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AcquireTimeoutError, createPool, NotFromPoolError, PoolClosedError, type Factory, type PoolOptions } from '#kata/connection-pool';
import { checkProperty, fc } from '#support/property';
import { FakeFactory, settle, sleep, track, within, withoutValidation, type FakeConn } from './fake.ts';

type FakePool = ReturnType<typeof createPool<FakeConn>>;

const pools: FakePool[] = [];
/** A pool that is drained after the test, whatever happens in it. */
function pool(factory: Factory<FakeConn>, options: PoolOptions<FakeConn>): FakePool {
  const p = createPool(factory, options);
  pools.push(p);
  return p;
}

afterEach(async () => {
  vi.useRealTimers();
  for (const p of pools.splice(0)) {
    try {
      // Not awaited: a test may end with resources still borrowed, and drain waits for those.
      p.drain().catch(() => {});
    } catch {
      // the stub's drain throws
    }
  }
  await settle();
});

function timers(): number {
  return process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;
}

describe('stage 1: borrow and return', () => {
  it('refuses a bad factory or bad options with TypeError / RangeError', () => {
    const f = new FakeFactory();
    const ok = { max: 2 };
    expect(() => createPool({ create: f.create.bind(f) } as unknown as Factory<FakeConn>, ok)).toThrow(TypeError);
    expect(() => createPool({ destroy: f.destroy.bind(f) } as unknown as Factory<FakeConn>, ok)).toThrow(TypeError);
    expect(() => createPool(null as unknown as Factory<FakeConn>, ok)).toThrow(TypeError);
    expect(() => createPool({ ...withoutValidation(f), validate: 5 } as unknown as Factory<FakeConn>, ok)).toThrow(TypeError);
    const bad: Array<[string, Record<string, unknown>]> = [
      ['max 0', { max: 0 }],
      ['max -1', { max: -1 }],
      ['max 1.5', { max: 1.5 }],
      ['max NaN', { max: Number.NaN }],
      ['max Infinity', { max: Infinity }],
      ['max missing', {}],
      ['min -1', { max: 2, min: -1 }],
      ['min > max', { max: 2, min: 3 }],
      ['min 0.5', { max: 2, min: 0.5 }],
      ['acquireTimeoutMs 0', { max: 2, acquireTimeoutMs: 0 }],
      ['acquireTimeoutMs -5', { max: 2, acquireTimeoutMs: -5 }],
      ['acquireTimeoutMs NaN', { max: 2, acquireTimeoutMs: Number.NaN }],
      ['idleTimeoutMs 0', { max: 2, idleTimeoutMs: 0 }],
      ['leakTimeoutMs 0', { max: 2, leakTimeoutMs: 0 }],
      ['leakTimeoutMs Infinity', { max: 2, leakTimeoutMs: Infinity }],
    ];
    for (const [what, opts] of bad) {
      expect(() => createPool(withoutValidation(f), opts as unknown as PoolOptions<FakeConn>), what).toThrow(RangeError);
    }
    // The limits themselves are fine, and constructing a pool with min 0 creates nothing.
    const p = pool(withoutValidation(f), { max: 1, min: 0, acquireTimeoutMs: Infinity, idleTimeoutMs: Infinity });
    expect(p.stats()).toEqual({ open: 0, idle: 0, borrowed: 0, creating: 0, waiting: 0, min: 0, max: 1 });
    expect(f.created).toHaveLength(0);
  });

  it('creates on demand, and a released resource is lent again instead of creating another', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 3 });
    const a = await p.acquire();
    expect(a.id).toBe(1);
    expect(p.stats()).toMatchObject({ open: 1, idle: 0, borrowed: 1, creating: 0, waiting: 0 });
    p.release(a);
    expect(p.stats()).toMatchObject({ open: 1, idle: 1, borrowed: 0 });
    const again = await p.acquire();
    expect(again).toBe(a);
    expect(f.created).toHaveLength(1);
    const b = await p.acquire(); // nothing idle, room under max: a second one
    expect(b.id).toBe(2);
    expect(p.stats()).toMatchObject({ open: 2, idle: 0, borrowed: 2 });
    p.release(b);
    p.release(again);
    expect(p.stats()).toMatchObject({ open: 2, idle: 2, borrowed: 0 });
    expect(f.destroyed).toHaveLength(0);
  });

  it('lends idle resources oldest-first (the idle shelf is the FIFO queue)', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 3 });
    const [a, b, c] = [await p.acquire(), await p.acquire(), await p.acquire()];
    p.release(b);
    p.release(c);
    p.release(a);
    expect([await p.acquire(), await p.acquire(), await p.acquire()]).toEqual([b, c, a]);
  });

  it('use() lends, returns what fn returns, and releases even when fn throws', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 2 });
    for (let i = 0; i < 20; i++) {
      expect(await p.use(async (c) => c.id * 10 + i)).toBe(10 + i);
    }
    expect(f.created).toHaveLength(1); // one at a time: always the same resource
    const boom = new Error('query failed');
    await expect(p.use(() => Promise.reject(boom))).rejects.toBe(boom);
    await expect(
      p.use(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(p.stats()).toMatchObject({ open: 1, idle: 1, borrowed: 0 });
  });

  it('opens min resources in the background right away', async () => {
    const f = new FakeFactory();
    const p = pool(f, { min: 2, max: 4 });
    await settle();
    expect(f.created).toHaveLength(2);
    expect(p.stats()).toMatchObject({ open: 2, idle: 2, borrowed: 0, creating: 0, min: 2, max: 4 });
    const a = await p.acquire();
    expect(f.created).toContain(a);
    expect(f.created).toHaveLength(2);
  });

  it('a double release or a foreign resource is a NotFromPoolError, and nothing is lent twice', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 3 });
    const a = await p.acquire();
    p.release(a);
    expect(() => p.release(a)).toThrow(NotFromPoolError);
    expect(() => p.release({ id: 99, broken: false, destroyed: false })).toThrow(NotFromPoolError);
    await expect(p.destroy({ id: 98, broken: false, destroyed: false })).rejects.toBeInstanceOf(NotFromPoolError);
    expect(p.stats()).toMatchObject({ open: 1, idle: 1, borrowed: 0 });
    const x = await p.acquire();
    const y = await p.acquire();
    expect(x).not.toBe(y);
    expect(() => p.release(a) /* a is x, lent again: fine */).not.toThrow();
    expect(() => p.release(a)).toThrow(NotFromPoolError);
    p.release(y);
  });

  it('a failed create rejects that acquire with the factory error and frees its slot', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 1, acquireTimeoutMs: 500 });
    const refused = new Error('ECONNREFUSED');
    f.failures.push(refused);
    await expect(p.acquire()).rejects.toBe(refused);
    expect(p.stats()).toMatchObject({ open: 0, creating: 0, borrowed: 0 });
    const a = await within(p.acquire(), 'an acquire after a failed create, with the slot free');
    expect(a.id).toBe(1);
  });
});

describe('stage 2: limits and fair waiting', () => {
  it('never opens more than max, even when many acquire at the same instant', async () => {
    const f = new FakeFactory();
    const p = pool(withoutValidation(f), { max: 3 });
    const all = Array.from({ length: 10 }, () => track(p.acquire()));
    await settle();
    expect(all.filter((t) => t.state === 'fulfilled')).toHaveLength(3);
    expect(f.created).toHaveLength(3);
    expect(f.peak).toBe(3);
    expect(p.stats()).toMatchObject({ open: 3, borrowed: 3, waiting: 7, creating: 0 });
    // Hand them round until everyone has had one.
    const returned = new Set<number>();
    for (let served = 3; served < 10; served++) {
      const i = all.findIndex((t, k) => t.state === 'fulfilled' && !returned.has(k));
      returned.add(i);
      p.release(all[i]!.value!);
      await settle();
      expect(all.filter((t) => t.state === 'fulfilled')).toHaveLength(served + 1);
    }
    expect(f.created).toHaveLength(3);
    expect(f.peak).toBe(3);
  });

  it('waiting acquirers are served in the order they arrived', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 1 });
    const first = await p.acquire();
    const order: number[] = [];
    const waiters = Array.from({ length: 6 }, (_, i) =>
      p.acquire().then((c) => {
        order.push(i);
        return c;
      }),
    );
    await settle();
    expect(p.stats().waiting).toBe(6);
    let held = first;
    for (let i = 0; i < 6; i++) {
      p.release(held);
      held = await within(waiters[i]!, `waiter ${i} (arrived ${i}th) to be served`);
      expect(held).toBe(first); // the same resource, passed down the line
    }
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(f.created).toHaveLength(1);
  });

  it('acquire rejects with AcquireTimeoutError after acquireTimeoutMs, and leaves the line', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 1, acquireTimeoutMs: 40 });
    const a = await p.acquire();
    const t0 = Date.now();
    const err = await p.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcquireTimeoutError);
    expect((err as AcquireTimeoutError).timeoutMs).toBe(40);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    expect(p.stats()).toMatchObject({ waiting: 0, open: 1, borrowed: 1 });
    p.release(a);
  });

  it('a release after a timeout goes to the shelf or the next live waiter, not to the one who left', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const f = new FakeFactory();
    const p = pool(f, { max: 1, acquireTimeoutMs: 40 });
    const a = await p.acquire();
    const gaveUp = track(p.acquire());
    await vi.advanceTimersByTimeAsync(40);
    expect(gaveUp.reason).toBeInstanceOf(AcquireTimeoutError);
    p.release(a);
    await settle();
    expect(p.stats()).toMatchObject({ open: 1, idle: 1, borrowed: 0, waiting: 0 });
    const b = track(p.acquire());
    await settle();
    expect(b).toMatchObject({ state: 'fulfilled', value: a });
    // Now with a live waiter behind one that times out.
    const early = track(p.acquire()); // times out at +40 ms
    await vi.advanceTimersByTimeAsync(20);
    const late = track(p.acquire()); // times out at +60 ms
    await vi.advanceTimersByTimeAsync(20);
    expect(early.reason).toBeInstanceOf(AcquireTimeoutError);
    expect(late.state).toBe('pending');
    expect(p.stats().waiting).toBe(1);
    p.release(a);
    await settle();
    expect(late).toMatchObject({ state: 'fulfilled', value: a });
    expect(f.created).toHaveLength(1);
  });

  it('a waiter behind a failed create gets the next creation', async () => {
    const f = new FakeFactory();
    f.holdCreates = true;
    const p = pool(f, { max: 1, acquireTimeoutMs: 1000 });
    const first = track(p.acquire()); // creating
    await settle();
    const second = track(p.acquire()); // no room: waits in line
    await settle();
    expect(p.stats()).toMatchObject({ creating: 1, waiting: 1 });
    const refused = new Error('ECONNREFUSED');
    f.holdCreates = false;
    f.failGates(refused);
    await within(
      (async () => {
        while (second.state === 'pending') await settle();
      })(),
      'the waiter behind the failed create',
      500,
    );
    expect(first).toMatchObject({ state: 'rejected', reason: refused });
    expect(second.state).toBe('fulfilled');
    expect(p.stats()).toMatchObject({ open: 1, borrowed: 1, creating: 0, waiting: 0 });
  });

  it('a create that outlives the acquire timeout: the caller gets AcquireTimeoutError, the resource is kept', async () => {
    const f = new FakeFactory();
    f.holdCreates = true;
    const p = pool(f, { max: 1, acquireTimeoutMs: 30 });
    await expect(p.acquire()).rejects.toBeInstanceOf(AcquireTimeoutError);
    expect(p.stats()).toMatchObject({ open: 0, creating: 1 });
    f.holdCreates = false;
    f.openGates();
    await settle();
    expect(p.stats()).toMatchObject({ open: 1, idle: 1, creating: 0, borrowed: 0 });
    const a = await p.acquire();
    expect(a).toBe(f.created[0]);
    expect(f.created).toHaveLength(1);
  });

  it('matches a model of the pool over random acquires, releases, destroys and breakages', async () => {
    // The model: a FIFO shelf of idle ids, a FIFO line of waiting callers, a count of open
    // resources. A burst is several acquire() calls in one synchronous batch; the pool is let
    // settle after each op, so every step has exactly one right outcome. The model knows which
    // existing resource each caller must get; for a new one it only knows it must be new.
    type Op =
      | { kind: 'burst'; n: number }
      | { kind: 'release'; pick: number }
      | { kind: 'destroy'; pick: number }
      | { kind: 'break'; pick: number }
      | { kind: 'double-release'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('burst' as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('destroy' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('break' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('double-release' as const), pick: fc.nat() }),
    );
    const NEW = -1;
    await checkProperty(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(op, { minLength: 1, maxLength: 30 }), async (max, ops) => {
        const f = new FakeFactory();
        const p = createPool(f, { max, acquireTimeoutMs: Infinity, idleTimeoutMs: Infinity });
        let open = 0;
        const shelf: number[] = [];
        const line: number[] = []; // callers, in arrival order
        const holding = new Map<number, number>(); // caller -> resource id (NEW until seen)
        const broken = new Set<number>();
        const known = new Set<number>(); // ids the model has already bound to a caller
        const calls: Array<ReturnType<typeof track<FakeConn>>> = [];
        const returned = new Set<number>(); // callers that gave theirs back
        const held = () => [...holding.entries()].filter(([caller]) => !returned.has(caller));
        const byId = (id: number) => f.created.find((c) => c.id === id)!;

        /**
         * Every acquire of the batch takes from the shelf, creates, or queues, at once. Taking
         * from the shelf means validating first: a broken one is destroyed after the batch, and
         * that caller tries again (in caller order, each seeing the others' broken ones as open).
         */
        const burst = (callers: number[]) => {
          let round = callers.map((c) => ({ caller: c, brokenId: undefined as number | undefined }));
          while (round.length) {
            const retry: typeof round = [];
            for (const { caller, brokenId } of round) {
              if (brokenId !== undefined) open--;
              const id = shelf.shift();
              if (id !== undefined) {
                if (broken.has(id)) retry.push({ caller, brokenId: id });
                else holding.set(caller, id);
              } else if (open < max) {
                open++;
                holding.set(caller, NEW);
              } else line.push(caller);
            }
            round = retry;
          }
        };

        try {
          for (const o of ops) {
            if (o.kind === 'burst') {
              const callers: number[] = [];
              for (let i = 0; i < o.n; i++) {
                callers.push(calls.length);
                calls.push(track(p.acquire()));
              }
              burst(callers);
            } else if (o.kind === 'break') {
              if (shelf.length === 0) continue;
              const id = shelf[o.pick % shelf.length]!;
              broken.add(id);
              byId(id).broken = true;
            } else {
              const h = held();
              if (h.length === 0) continue;
              const [caller, id] = h[o.pick % h.length]!;
              const conn = calls[caller]!.value!;
              returned.add(caller);
              if (o.kind === 'destroy') {
                await p.destroy(conn);
                open--;
                // The freed slot makes a new resource for the first in line, if any.
                const next = line.shift();
                if (next !== undefined) {
                  open++;
                  holding.set(next, NEW);
                }
              } else {
                const nobodyWaits = line.length === 0;
                p.release(conn);
                const next = line.shift();
                if (next === undefined) shelf.push(id);
                else holding.set(next, id);
                // Lent to nobody, it cannot be released again (lent to a waiter, it legally can).
                if (o.kind === 'double-release' && nobodyWaits) expect(() => p.release(conn)).toThrow(NotFromPoolError);
              }
            }
            await settle();
            for (const [caller, id] of holding) {
              const t = calls[caller]!;
              expect(t.state, `caller ${caller} is served`).toBe('fulfilled');
              if (id === NEW) {
                expect(known.has(t.value!.id), `caller ${caller} got a new resource, not ${t.value!.id} again`).toBe(false);
                known.add(t.value!.id);
                holding.set(caller, t.value!.id);
              } else {
                expect(t.value!.id, `caller ${caller}'s resource`).toBe(id);
              }
              if (!returned.has(caller)) expect(t.value!.broken || t.value!.destroyed, `caller ${caller}'s resource is healthy`).toBe(false);
            }
            for (const caller of line) expect(calls[caller]!.state, `caller ${caller} waits`).toBe('pending');
            expect(p.stats()).toMatchObject({ open, idle: shelf.length, borrowed: held().length, waiting: line.length, creating: 0 });
            expect(f.peak, 'resources alive at once').toBeLessThanOrEqual(max);
            expect(f.live).toBe(open);
          }
        } catch (err) {
          p.drain().catch(() => {}); // rejects whoever waits; what is on loan stays there
          throw err;
        }
        for (const [caller] of held()) {
          returned.add(caller);
          p.release(calls[caller]!.value!);
        }
        await within(p.drain(), 'drain with every resource released', 1000);
        expect(f.live).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});

describe('stage 3: validation and replacement', () => {
  it('an idle resource that fails validation is destroyed and replaced', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 2 });
    const a = await p.acquire();
    p.release(a);
    a.broken = true; // e.g. the server closed it while it sat idle
    const b = await p.acquire();
    expect(b).not.toBe(a);
    expect(b.broken).toBe(false);
    expect(f.validations).toBeGreaterThanOrEqual(1);
    await settle();
    expect(f.destroyed).toEqual([a]);
    expect(p.stats()).toMatchObject({ open: 1, idle: 0, borrowed: 1 });
  });

  it('validate() rejecting or returning something other than true counts as broken', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 3 });
    const [a, b] = [await p.acquire(), await p.acquire()];
    p.release(a);
    p.release(b);
    f.validateThrows.add(a);
    f.validateThrows.add(b);
    const c = await p.acquire();
    expect([a, b]).not.toContain(c);
    await settle();
    expect(new Set(f.destroyed)).toEqual(new Set([a, b]));
    expect(p.stats()).toMatchObject({ open: 1, borrowed: 1, idle: 0 });
    const odd: Factory<FakeConn> = {
      create: () => f.create(),
      destroy: (x) => f.destroy(x),
      validate: async () => 'yes' as unknown as boolean,
    };
    const q = pool(odd, { max: 1 });
    const d = await q.acquire();
    q.release(d);
    const e = await q.acquire();
    expect(e).not.toBe(d);
  });

  it('skips every broken idle resource and lends a healthy one', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 4 });
    const conns = [await p.acquire(), await p.acquire(), await p.acquire(), await p.acquire()];
    for (const c of conns) p.release(c);
    conns[0]!.broken = true;
    conns[1]!.broken = true;
    conns[3]!.broken = true;
    expect(await p.acquire()).toBe(conns[2]);
    await settle();
    expect(new Set(f.destroyed)).toEqual(new Set([conns[0], conns[1]]));
    expect(p.stats()).toMatchObject({ open: 2, idle: 1, borrowed: 1 });
  });

  it('a resource handed to a waiter is validated too; a broken one is replaced for that waiter', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 1 });
    const a = await p.acquire();
    const waiter = track(p.acquire());
    await settle();
    a.broken = true; // broke while borrowed; the holder did not notice
    p.release(a);
    await settle();
    expect(waiter.state).toBe('fulfilled');
    expect(waiter.value).not.toBe(a);
    expect(waiter.value!.broken).toBe(false);
    expect(f.destroyed).toEqual([a]);
  });

  it('destroy() of a borrowed resource creates a replacement for the first waiter', async () => {
    const f = new FakeFactory();
    const p = pool(withoutValidation(f), { max: 2, acquireTimeoutMs: 1000 });
    const [a, b] = [await p.acquire(), await p.acquire()];
    const w1 = track(p.acquire());
    const w2 = track(p.acquire());
    await settle();
    await p.destroy(a);
    await settle();
    expect(a.destroyed).toBe(true);
    expect(w1.state).toBe('fulfilled');
    expect(w1.value!.id).toBe(3);
    expect(w2.state).toBe('pending');
    expect(p.stats()).toMatchObject({ open: 2, borrowed: 2, waiting: 1 });
    p.release(b);
    await settle();
    expect(w2).toMatchObject({ state: 'fulfilled', value: b });
    await expect(p.destroy(a)).rejects.toBeInstanceOf(NotFromPoolError);
  });

  it('destroy() below min opens a new one to get back to min', async () => {
    const f = new FakeFactory();
    const p = pool(f, { min: 2, max: 3 });
    await settle();
    const a = await p.acquire();
    await p.destroy(a);
    await settle();
    expect(f.created).toHaveLength(3);
    expect(p.stats()).toMatchObject({ open: 2, idle: 2 });
  });

  it('a validation that hangs past the deadline times out, and the resource is kept once it answers', async () => {
    const f = new FakeFactory();
    const p = pool(f, { max: 1, acquireTimeoutMs: 30 });
    const a = await p.acquire();
    p.release(a);
    f.holdValidations = true;
    await expect(p.acquire()).rejects.toBeInstanceOf(AcquireTimeoutError);
    f.holdValidations = false;
    f.openGates();
    await settle();
    expect(p.stats()).toMatchObject({ open: 1, idle: 1, borrowed: 0 });
    expect(await p.acquire()).toBe(a);
  });
});

describe('stage 4: idle eviction, leaks and drain', () => {
  it('destroys resources idle for idleTimeoutMs, never going below min', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const f = new FakeFactory();
    const p = pool(f, { min: 2, max: 5, idleTimeoutMs: 1000 });
    const conns = [];
    for (let i = 0; i < 5; i++) conns.push(await p.acquire());
    for (const c of conns) p.release(c);
    expect(p.stats()).toMatchObject({ open: 5, idle: 5 });
    await vi.advanceTimersByTimeAsync(999);
    expect(p.stats()).toMatchObject({ open: 5, idle: 5 });
    expect(f.destroyed).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1001);
    expect(p.stats()).toMatchObject({ open: 2, idle: 2 });
    expect(f.destroyed).toHaveLength(3);
    // A long quiet spell changes nothing more: min stay open.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(p.stats()).toMatchObject({ open: 2, idle: 2 });
    expect(f.live).toBe(2);
  });

  it('evicts by idle time: a resource used recently stays, a borrowed one is never evicted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const f = new FakeFactory();
    const p = pool(withoutValidation(f), { max: 3, idleTimeoutMs: 1000 });
    const [a, b, c] = [await p.acquire(), await p.acquire(), await p.acquire()];
    p.release(a);
    p.release(b);
    await vi.advanceTimersByTimeAsync(600);
    const again = await p.acquire(); // a, the oldest idle
    expect(again).toBe(a);
    p.release(again); // a idle since 600, b since 0
    await vi.advanceTimersByTimeAsync(999); // t = 1599: a has been idle 999 ms only
    expect(a.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(401); // t = 2000: b is 2000 ms idle
    expect(b.destroyed).toBe(true);
    await vi.advanceTimersByTimeAsync(600); // t = 2600: a is 2000 ms idle
    expect(a.destroyed).toBe(true);
    expect(c.destroyed).toBe(false); // borrowed the whole time
    expect(p.stats()).toMatchObject({ open: 1, borrowed: 1, idle: 0 });
    p.release(c);
    await vi.advanceTimersByTimeAsync(500);
    expect(c.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(1500);
    expect(c.destroyed).toBe(true);
    expect(p.stats().open).toBe(0);
  });

  it('reports a resource borrowed longer than leakTimeoutMs, once, with where it was acquired', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const f = new FakeFactory();
    const leaks: Array<{ resource: FakeConn; acquiredAt: number; heldMs: number; stack: string }> = [];
    const p = pool(f, { max: 2, leakTimeoutMs: 500, onLeak: (info) => leaks.push(info) });
    const t0 = Date.now();
    const a = await p.acquire();
    await vi.advanceTimersByTimeAsync(499);
    expect(leaks).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.resource).toBe(a);
    expect(leaks[0]!.acquiredAt).toBe(t0);
    expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(500);
    expect(leaks[0]!.stack).toContain('pool.spec.ts');
    await vi.advanceTimersByTimeAsync(5000);
    expect(leaks).toHaveLength(1);
    p.release(a);
  });

  it('a resource released in time is never reported as a leak', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const f = new FakeFactory();
    const leaks: unknown[] = [];
    const p = pool(f, { max: 2, leakTimeoutMs: 500, onLeak: (info) => leaks.push(info) });
    for (let i = 0; i < 3; i++) {
      const a = await p.acquire();
      await vi.advanceTimersByTimeAsync(400);
      p.release(a);
    }
    const b = await p.acquire();
    await vi.advanceTimersByTimeAsync(200);
    await p.destroy(b);
    await vi.advanceTimersByTimeAsync(5000);
    expect(leaks).toEqual([]);
  });

  it('drain() rejects waiters and new acquires with PoolClosedError and destroys everything', async () => {
    const f = new FakeFactory();
    const p = pool(f, { min: 1, max: 2 });
    await settle();
    const a = await p.acquire();
    const b = await p.acquire();
    const waiter = track(p.acquire());
    await settle();
    const drained = track(p.drain());
    await settle();
    expect(p.closed).toBe(true);
    expect(waiter.reason).toBeInstanceOf(PoolClosedError);
    await expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    expect(drained.state).toBe('pending'); // a and b are still out
    p.release(a);
    await settle();
    expect(a.destroyed).toBe(true);
    expect(drained.state).toBe('pending');
    await p.destroy(b);
    await within(p.drain(), 'drain after the last resource came back');
    expect(drained.state).toBe('fulfilled');
    expect(f.live).toBe(0);
    expect(f.destroyed).toHaveLength(2);
    expect(p.stats()).toMatchObject({ open: 0, idle: 0, borrowed: 0, waiting: 0, creating: 0 });
  });

  it('drain() destroys idle resources at once, waits for creates in flight, and leaves no timers', async () => {
    const before = timers();
    const f = new FakeFactory();
    const p = pool(f, { max: 3, acquireTimeoutMs: 5000, idleTimeoutMs: 5000, leakTimeoutMs: 5000 });
    const a = await p.acquire();
    f.holdCreates = true;
    const creating = track(p.acquire()); // nothing idle: creates, and the create hangs
    await settle();
    p.release(a); // idle
    expect(p.stats()).toMatchObject({ creating: 1, idle: 1 });
    const drained = track(p.drain());
    await settle();
    expect(a.destroyed).toBe(true);
    expect(drained.state).toBe('pending');
    f.holdCreates = false;
    f.openGates();
    await within(p.drain(), 'drain once the create in flight has finished');
    expect(creating.reason).toBeInstanceOf(PoolClosedError);
    expect(f.created).toHaveLength(2);
    expect(f.live).toBe(0);
    expect(timers()).toBe(before);
  });
});
