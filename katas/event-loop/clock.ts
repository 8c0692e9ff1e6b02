/**
 * The loop's sense of time. The loop reads `now()` to decide which timers are due, and calls
 * `sleep(ms)` in the poll phase when it has nothing to run for `ms` milliseconds. Two clocks:
 * the real one (for I/O on real sockets) and a virtual one the tests move by hand, so timer
 * tests are exact and take no real time.
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Milliseconds on a monotonic scale (fractions allowed). */
  now(): number;
  /**
   * Lets `ms` milliseconds pass: 0 means "do not wait, but let I/O in", Infinity means "until
   * woken". An aborted `signal` ends the wait early (the loop aborts it when I/O arrives).
   */
  sleep(ms: number, signal?: AbortSignal): void | Promise<void>;
}

/**
 * Real time: `performance.now()`, and a sleep that is a real timer in Node's own loop. The loop you
 * build runs on top of Node's, so "blocking in poll" means awaiting this promise; while it waits,
 * Node reads the sockets and fires the events your loop watches. `sleep(0)` still yields once
 * (through Node's poll phase), so I/O can arrive even when your loop is never idle.
 */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      let timer: NodeJS.Timeout | undefined;
      let immediate: NodeJS.Immediate | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        if (immediate) clearImmediate(immediate);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      if (ms <= 0) immediate = setImmediate(done);
      else if (ms < 2 ** 31 - 1) timer = setTimeout(done, ms);
      // Infinity: no timer at all; only the signal (I/O) ends the wait.
    });
  },
};

/**
 * Virtual time for tests: time moves only when the loop sleeps (it jumps straight to the end of
 * the sleep) or when a test calls `advance(ms)` to stand for a slow callback.
 */
export class VirtualClock implements Clock {
  #t: number;
  /** Every `sleep(ms)` the loop asked for, in order (0 included). */
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.#t = start;
  }

  now(): number {
    return this.#t;
  }

  sleep(ms: number): void {
    if (!(ms >= 0) || ms === Infinity) {
      throw new RangeError(
        `VirtualClock.sleep(${ms}): a virtual clock cannot wait for I/O or forever; ` +
          'the loop should sleep only until its nearest timer (and not at all when nothing keeps it alive)',
      );
    }
    this.sleeps.push(ms);
    this.#t += ms;
  }

  /** Moves time forward by `ms`, as a callback that computes for `ms` milliseconds would. */
  advance(ms: number): void {
    if (!(ms >= 0) || ms === Infinity) throw new RangeError(`VirtualClock.advance(${ms}): expected a finite number >= 0`);
    this.#t += ms;
  }
}
