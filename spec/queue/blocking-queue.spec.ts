import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { BoundedBlockingQueue, ClosedError, TimeoutError } from '#kata/queue';
import { checkProperty, fc } from '#support/property';

interface Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  value?: T;
  reason?: unknown;
}

/** Watches a promise without awaiting it, so a test can ask later whether it settled. */
function track<T>(p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { state: 'pending' };
  p.then(
    (value) => Object.assign(t, { state: 'fulfilled', value }),
    (reason) => Object.assign(t, { state: 'rejected', reason }),
  );
  return t;
}

/** Lets every promise callback that is ready run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Awaits `p`, failing after `ms` with `what` instead of hanging until the test times out. */
async function within<T>(p: Promise<T>, what: string, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;
}

describe('stage 3: bounded blocking queue', () => {
  it('refuses a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 2.5, Number.NaN, Infinity]) {
      expect(() => new BoundedBlockingQueue(bad), `capacity ${bad}`).toThrow(RangeError);
    }
    const q = new BoundedBlockingQueue<number>(3);
    expect([q.capacity, q.size, q.closed, q.waitingTakers, q.waitingPutters]).toEqual([3, 0, false, 0, 0]);
  });

  it('offer queues until full and poll takes the oldest, neither ever waits', () => {
    const q = new BoundedBlockingQueue<number>(2);
    expect([q.offer(1), q.offer(2), q.offer(3)]).toEqual([true, true, false]);
    expect(q.size).toBe(2);
    expect([q.poll(), q.poll(), q.poll()]).toEqual([1, 2, undefined]);
    expect(q.size).toBe(0);
  });

  it('put and take complete at once when they can', async () => {
    const q = new BoundedBlockingQueue<string>(2);
    await q.put('a');
    await q.put('b');
    expect(q.size).toBe(2);
    expect(await q.take()).toBe('a');
    expect(await q.take()).toBe('b');
  });

  it('take waits for an item and gets it straight from the next put', async () => {
    const q = new BoundedBlockingQueue<number>(1);
    const t = track(q.take());
    await settle();
    expect(t.state).toBe('pending');
    expect(q.waitingTakers).toBe(1);
    await q.put(7);
    await settle();
    expect(t).toMatchObject({ state: 'fulfilled', value: 7 });
    expect([q.size, q.waitingTakers]).toEqual([0, 0]);
  });

  it('offer and poll serve waiters too', async () => {
    const q = new BoundedBlockingQueue<number>(1);
    const t = track(q.take());
    await settle();
    expect(q.offer(1)).toBe(true); // handed to the waiting taker
    expect(q.size).toBe(0);
    expect(q.offer(2)).toBe(true);
    const p = track(q.put(3));
    await settle();
    expect(p.state).toBe('pending');
    expect(q.poll()).toBe(2); // makes room for the waiting putter
    await settle();
    expect(t).toMatchObject({ state: 'fulfilled', value: 1 });
    expect(p.state).toBe('fulfilled');
    expect([q.size, q.poll()]).toEqual([1, 3]);
  });

  it('put waits while the queue is full, and its item goes in behind the queued ones', async () => {
    const q = new BoundedBlockingQueue<number>(2);
    await q.put(1);
    await q.put(2);
    const p = track(q.put(3));
    await settle();
    expect(p.state).toBe('pending');
    expect(q.waitingPutters).toBe(1);
    expect(await q.take()).toBe(1);
    await settle();
    expect(p.state).toBe('fulfilled');
    expect(q.size).toBe(2);
    expect([await q.take(), await q.take()]).toEqual([2, 3]);
  });

  it('waiting takers are served first come, first served', async () => {
    const q = new BoundedBlockingQueue<string>(3);
    const takers = [track(q.take()), track(q.take()), track(q.take())];
    await settle();
    await q.put('first');
    await q.put('second');
    await q.put('third');
    await settle();
    expect(takers.map((t) => t.value)).toEqual(['first', 'second', 'third']);
  });

  it('waiting putters are served first come, first served', async () => {
    const q = new BoundedBlockingQueue<string>(1);
    await q.put('queued');
    const order: string[] = [];
    const putters = ['p1', 'p2', 'p3'].map((x) => q.put(x).then(() => order.push(x)));
    await settle();
    expect(q.waitingPutters).toBe(3);
    const taken: string[] = [];
    for (let i = 0; i < 4; i++) taken.push(await within(q.take(), `take #${i + 1} (a take from a full queue must let the oldest waiting putter in)`));
    await within(Promise.all(putters), 'the waiting puts');
    expect(taken).toEqual(['queued', 'p1', 'p2', 'p3']);
    expect(order).toEqual(['p1', 'p2', 'p3']);
  });

  it('take gives up with TimeoutError after timeoutMs', async () => {
    const q = new BoundedBlockingQueue<number>(1);
    const t0 = performance.now();
    const err = await q.take({ timeoutMs: 30 }).catch((e: unknown) => e);
    const took = performance.now() - t0;
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe('QUEUE_TIMEOUT');
    // A little slack: Node's timers count from the event loop's cached clock, which may lag.
    expect(took).toBeGreaterThanOrEqual(25);
    expect(took).toBeLessThan(2000);
    expect(q.waitingTakers).toBe(0);
  });

  it('a take that timed out does not swallow the next item', async () => {
    const q = new BoundedBlockingQueue<number>(2);
    await expect(q.take({ timeoutMs: 10 })).rejects.toBeInstanceOf(TimeoutError);
    await q.put(5);
    await settle();
    expect(q.size).toBe(1);
    expect(q.poll()).toBe(5);
  });

  it('a put that timed out leaves no item behind', async () => {
    const q = new BoundedBlockingQueue<string>(1);
    await q.put('a');
    await expect(q.put('late', { timeoutMs: 10 })).rejects.toBeInstanceOf(TimeoutError);
    expect(q.waitingPutters).toBe(0);
    expect(await q.take()).toBe('a');
    await settle();
    expect(q.size).toBe(0);
    expect(q.poll()).toBeUndefined();
  });

  it('timeoutMs 0 succeeds only if it can right away', async () => {
    const q = new BoundedBlockingQueue<number>(1);
    const t = track(q.take({ timeoutMs: 0 }));
    await settle();
    expect(t.state).toBe('rejected');
    expect(t.reason).toBeInstanceOf(TimeoutError);
    await q.put(1, { timeoutMs: 0 });
    const p = track(q.put(2, { timeoutMs: 0 }));
    await settle();
    expect(p.reason).toBeInstanceOf(TimeoutError);
    expect(await q.take({ timeoutMs: 0 })).toBe(1);
    expect(q.size).toBe(0);
  });

  it('a timeout beyond what setTimeout can count (2^31 ms) waits, it does not fire at once', async () => {
    const q = new BoundedBlockingQueue<number>(1);
    const t = track(q.take({ timeoutMs: 2 ** 31 }));
    const p = track(q.take({ timeoutMs: Infinity }));
    await sleep(30);
    expect(t.state, 'setTimeout turns a delay above 2^31-1 ms into 1 ms').toBe('pending');
    expect(p.state).toBe('pending');
    q.offer(1);
    q.offer(2);
    await settle();
    expect([t.value, p.value]).toEqual([1, 2]);
  });

  it('a bad timeoutMs is a RangeError (a rejected promise)', async () => {
    const q = new BoundedBlockingQueue<number>(1);
    await expect(q.take({ timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(q.take({ timeoutMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(q.put(1, { timeoutMs: -5 })).rejects.toThrow(RangeError);
    expect(q.size).toBe(0);
  });

  it("an aborted take rejects with the signal's reason and does not swallow the next item", async () => {
    const q = new BoundedBlockingQueue<number>(2);
    const ac = new AbortController();
    const t = track(q.take({ signal: ac.signal }));
    await settle();
    const reason = new Error('caller went away');
    ac.abort(reason);
    await settle();
    expect(t).toMatchObject({ state: 'rejected', reason });
    expect(q.waitingTakers).toBe(0);
    await q.put(9);
    expect(q.size).toBe(1);
    expect(await q.take()).toBe(9);
  });

  it('an aborted put rejects and its item is never added', async () => {
    const q = new BoundedBlockingQueue<number>(1);
    await q.put(1);
    const ac = new AbortController();
    const p = track(q.put(2, { signal: ac.signal }));
    await settle();
    ac.abort();
    await settle();
    expect(p.state).toBe('rejected');
    expect(p.reason).toBe(ac.signal.reason); // the default reason, a DOMException 'AbortError'
    expect(await q.take()).toBe(1);
    await settle();
    expect(q.poll()).toBeUndefined();
  });

  it('an already aborted signal rejects at once and takes or adds nothing', async () => {
    const q = new BoundedBlockingQueue<number>(2);
    await q.put(1);
    const signal = AbortSignal.abort(new Error('too late'));
    await expect(q.take({ signal })).rejects.toBe(signal.reason);
    await expect(q.put(2, { signal })).rejects.toBe(signal.reason);
    expect(q.size).toBe(1);
    expect(q.poll()).toBe(1);
  });

  it('a waiter that is served leaves no timer and no abort listener behind', async () => {
    const q = new BoundedBlockingQueue<number>(1);
    const ac = new AbortController();
    const before = timers();
    const t = q.take({ timeoutMs: 60_000, signal: ac.signal });
    await settle();
    await q.put(1);
    expect(await t).toBe(1);
    await q.put(2);
    const p = q.put(3, { timeoutMs: 60_000, signal: ac.signal });
    await settle();
    expect(await q.take()).toBe(2);
    await within(p, 'the waiting put, after a take made room');
    expect(timers(), 'a timeout timer is still pending after its waiter was served').toBe(before);
    expect(getEventListeners(ac.signal, 'abort'), 'abort listeners left on the signal').toHaveLength(0);
  });

  it('close rejects waiting takers with ClosedError', async () => {
    const q = new BoundedBlockingQueue<number>(2);
    const takers = [track(q.take()), track(q.take({ timeoutMs: 60_000 }))];
    await settle();
    q.close();
    await settle();
    expect(q.closed).toBe(true);
    for (const t of takers) {
      expect(t.state).toBe('rejected');
      expect(t.reason).toBeInstanceOf(ClosedError);
      expect((t.reason as ClosedError).code).toBe('QUEUE_CLOSED');
    }
    expect(q.waitingTakers).toBe(0);
  });

  it('close rejects waiting putters without adding their items, and keeps queued items for takers', async () => {
    const q = new BoundedBlockingQueue<string>(2);
    await q.put('a');
    await q.put('b');
    const p = track(q.put('c'));
    await settle();
    q.close();
    await settle();
    expect(p.state).toBe('rejected');
    expect(p.reason).toBeInstanceOf(ClosedError);
    expect(q.size).toBe(2);
    expect(await q.take()).toBe('a');
    expect(q.poll()).toBe('b');
    await expect(q.take()).rejects.toBeInstanceOf(ClosedError);
    expect(q.poll()).toBeUndefined();
  });

  it('after close, put rejects and offer throws ClosedError; close again is harmless', async () => {
    const q = new BoundedBlockingQueue<number>(2);
    q.close();
    q.close();
    await expect(q.put(1)).rejects.toBeInstanceOf(ClosedError);
    expect(() => q.offer(1)).toThrow(ClosedError);
    expect(q.size).toBe(0);
    await expect(q.take({ timeoutMs: 60_000 })).rejects.toBeInstanceOf(ClosedError);
  });

  it('for await takes every item and ends once the queue is closed and empty', async () => {
    const q = new BoundedBlockingQueue<number>(2);
    const producer = (async () => {
      for (let i = 1; i <= 6; i++) await q.put(i);
      q.close();
    })();
    const got: number[] = [];
    await within(
      (async () => {
        for await (const x of q) got.push(x);
      })(),
      'the for await loop to end after close',
    );
    await within(producer, 'the producer');
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('agrees with a simple model over random puts, takes, offers, polls, aborts and close (property)', async () => {
    type Op = { put: number } | { take: true } | { offer: number } | { poll: true } | { abort: number } | { close: true };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 99 }).map((v) => ({ put: v })), weight: 4 },
      { arbitrary: fc.constant({ take: true as const }), weight: 4 },
      { arbitrary: fc.integer({ min: 0, max: 99 }).map((v) => ({ offer: v })), weight: 2 },
      { arbitrary: fc.constant({ poll: true as const }), weight: 2 },
      { arbitrary: fc.nat(20).map((k) => ({ abort: k })), weight: 2 },
      { arbitrary: fc.constant({ close: true as const }), weight: 1 },
    );

    await checkProperty(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 40, size: 'max' }), async (capacity, ops) => {
        const q = new BoundedBlockingQueue<number>(capacity);
        // What every call should have come to, by the rules in the README.
        type Expect = { state: 'pending' } | { state: 'fulfilled'; value?: number } | { state: 'rejected'; closed: boolean };
        const calls: Array<{ what: string; seen: Tracked<number | void>; abort: AbortController; expect: Expect }> = [];
        const items: number[] = [];
        const takers: number[] = []; // indices into calls
        const putters: Array<{ call: number; item: number }> = [];
        let closed = false;
        const admitPutter = () => {
          const p = putters.shift();
          if (p) {
            items.push(p.item);
            calls[p.call]!.expect = { state: 'fulfilled' };
          }
        };
        const handOrQueue = (item: number): boolean => {
          const t = takers.shift();
          if (t !== undefined) {
            calls[t]!.expect = { state: 'fulfilled', value: item };
            return true;
          }
          if (items.length < capacity) {
            items.push(item);
            return true;
          }
          return false;
        };

        for (const [step, o] of ops.entries()) {
          const ac = new AbortController();
          const n = calls.length;
          if ('put' in o) {
            const outcome: Expect = closed ? { state: 'rejected', closed: true } : handOrQueue(o.put) ? { state: 'fulfilled' } : { state: 'pending' };
            if (outcome.state === 'pending') putters.push({ call: n, item: o.put });
            calls.push({ what: `put(${o.put})`, seen: track(q.put(o.put, { signal: ac.signal })), abort: ac, expect: outcome });
          } else if ('take' in o) {
            let outcome: Expect;
            if (items.length > 0) {
              outcome = { state: 'fulfilled', value: items.shift()! };
              admitPutter();
            } else if (closed) outcome = { state: 'rejected', closed: true };
            else {
              outcome = { state: 'pending' };
              takers.push(n);
            }
            calls.push({ what: 'take()', seen: track(q.take({ signal: ac.signal })), abort: ac, expect: outcome });
          } else if ('offer' in o) {
            if (closed) expect(() => q.offer(o.offer), 'offer after close').toThrow(ClosedError);
            else expect(q.offer(o.offer), `offer(${o.offer})`).toBe(handOrQueue(o.offer));
          } else if ('poll' in o) {
            const want = items.shift();
            if (want !== undefined) admitPutter();
            expect(q.poll(), 'poll()').toBe(want);
          } else if ('abort' in o) {
            const waiting = [...takers, ...putters.map((p) => p.call)].sort((a, b) => a - b);
            if (waiting.length > 0) {
              const victim = waiting[o.abort % waiting.length]!;
              const ti = takers.indexOf(victim);
              if (ti >= 0) takers.splice(ti, 1);
              const pi = putters.findIndex((p) => p.call === victim);
              if (pi >= 0) putters.splice(pi, 1);
              calls[victim]!.expect = { state: 'rejected', closed: false };
              calls[victim]!.abort.abort();
            }
          } else {
            q.close();
            if (!closed) {
              closed = true;
              for (const c of [...takers, ...putters.map((p) => p.call)]) calls[c]!.expect = { state: 'rejected', closed: true };
              takers.length = 0;
              putters.length = 0;
            }
          }
          await settle();
          // Compare every call so far with what it should have come to; describe the first miss.
          for (const c of calls) {
            const e = c.expect;
            const s = c.seen;
            const ok =
              s.state === e.state &&
              (e.state !== 'fulfilled' || e.value === undefined || s.value === e.value) &&
              (e.state !== 'rejected' || (e.closed ? s.reason instanceof ClosedError : s.reason === c.abort.signal.reason));
            if (!ok) {
              const history = JSON.stringify(ops.slice(0, step + 1));
              expect.fail(`${c.what}: expected ${JSON.stringify(e)}, got ${s.state} ${String(s.value ?? s.reason ?? '')} (capacity ${capacity}, ops ${history})`);
            }
          }
          expect([q.size, q.waitingTakers, q.waitingPutters, q.closed]).toEqual([items.length, takers.length, putters.length, closed]);
        }
        q.close(); // settle whatever still waits
        await settle();
      }),
      { numRuns: 100 },
    );
  });
});
