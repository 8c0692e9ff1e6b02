/**
 * Your event loop, in the shape of Node's (libuv underneath, lib/internal/timers.js and
 * process.nextTick on top). One iteration runs five phases:
 *
 *   timers   timers whose deadline has come, in (deadline, insertion) order
 *   pending  I/O completions deferred from the previous iteration (here: write callbacks)
 *   poll     wait for I/O, at most until the nearest timer, then run the I/O callbacks
 *   check    setImmediate callbacks queued before the phase began
 *   close    close callbacks
 *
 * and after EVERY callback it drains the nextTick queue, then the microtask queue, until both are
 * empty (Node >= 11). README.md has the full rules; the stages tell you what to build first.
 */
import type { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { todo } from '../not-implemented.ts';
import type { Clock } from './clock.ts';

/** Where the loop is; `idle` outside run() and between iterations. */
export type Phase = 'idle' | 'timers' | 'pending' | 'poll' | 'check' | 'close';

/**
 * Returned by setTimeout and setInterval; only clearTimeout/clearInterval look inside. Any object
 * you like: a class with the deadline, an insertion number, the callback, its arguments, the
 * interval and an "active" flag does the job.
 */
export type Timer = object;
/** Returned by setImmediate; only clearImmediate looks inside. */
export type Immediate = object;

/** A registration made with watch(). */
export interface Watcher {
  /** True once close() was called. */
  readonly closed: boolean;
  /**
   * Stops the watcher at once (no more callbacks, not even for events already received) and runs
   * `onClosed` in the close phase. Closing twice does nothing.
   */
  close(onClosed?: () => void): void;
}

export interface EventLoopOptions {
  /** Defaults to realClock; the tests of stages 1 to 4 pass a VirtualClock. */
  clock?: Clock;
}

export class EventLoop {
  // TODO (stage 1): a clock, a binary heap of timers ordered by (deadline, insertion number) and a
  //   count of active timers. Clearing can just mark a timer inactive; skip such timers when they
  //   reach the top of the heap, but do not let them keep the loop alive.
  // TODO (stage 2): a nextTick queue and a microtask queue (FIFOs of callback + arguments).
  // TODO (stage 3): the immediate queue, the current phase.
  // TODO (stage 5): the pending queue, the close queue, the queue of I/O events that arrived,
  //   how many watchers are open and writes in flight, and a way to wake the poll phase's sleep
  //   (an AbortController whose signal you pass to clock.sleep).

  constructor(options: EventLoopOptions = {}) {
    void options;
    todo('event-loop', 'EventLoop constructor');
  }

  /** The phase the loop is in: 'timers' inside a timer callback, 'check' inside an immediate, ... */
  get phase(): Phase {
    return todo('event-loop', 'EventLoop.phase');
  }

  /** The clock's time in milliseconds. */
  now(): number {
    return todo('event-loop', 'EventLoop.now');
  }

  /**
   * Runs `callback(...args)` once, `ms` milliseconds from now (the clock at this call). Like Node,
   * a delay that is not in [1, 2^31-1] (0, negative, NaN, undefined, too big) means 1 ms. Timers
   * due at the same moment run in the order they were set. TypeError if callback is not a function.
   */
  setTimeout<A extends unknown[]>(callback: (...args: A) => void, ms?: number, ...args: A): Timer {
    void [callback, ms, args];
    return todo('event-loop', 'EventLoop.setTimeout');
  }

  /**
   * Runs `callback(...args)` every `ms` milliseconds (same coercion as setTimeout) until cleared.
   * After each call the next deadline is the clock reading taken just before that call plus `ms`:
   * a late or slow interval drifts, it never fires a burst to catch up.
   */
  setInterval<A extends unknown[]>(callback: (...args: A) => void, ms?: number, ...args: A): Timer {
    void [callback, ms, args];
    return todo('event-loop', 'EventLoop.setInterval');
  }

  /** Cancels a timer or an interval. Undefined, null, a fired or a cleared timer: nothing happens. */
  clearTimeout(timer: Timer | undefined | null): void {
    void timer;
    todo('event-loop', 'EventLoop.clearTimeout');
  }

  /** Same as clearTimeout (as in Node, either one clears either kind). */
  clearInterval(timer: Timer | undefined | null): void {
    void timer;
    todo('event-loop', 'EventLoop.clearInterval');
  }

  /** Runs `callback(...args)` in a check phase: the current iteration's if queued before it began, else the next. */
  setImmediate<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Immediate {
    void [callback, args];
    return todo('event-loop', 'EventLoop.setImmediate');
  }

  /** Cancels an immediate that has not run yet, even one later in the check phase running now. */
  clearImmediate(immediate: Immediate | undefined | null): void {
    void immediate;
    todo('event-loop', 'EventLoop.clearImmediate');
  }

  /** Queues `callback(...args)` on the nextTick queue: it runs as soon as the current callback returns. */
  nextTick<A extends unknown[]>(callback: (...args: A) => void, ...args: A): void {
    void [callback, args];
    todo('event-loop', 'EventLoop.nextTick');
  }

  /** Queues `callback` on the microtask queue (what a resolved promise's `then` does): after the nextTicks. */
  queueMicrotask(callback: () => void): void {
    void callback;
    todo('event-loop', 'EventLoop.queueMicrotask');
  }

  /**
   * Delivers each `event` that `source` emits to `callback` in a poll phase (an I/O callback). The
   * listener you add to `source` runs in Node's own loop while yours sleeps in poll: it must only
   * record the event and its arguments and wake the sleep. An open watcher keeps the loop alive.
   */
  watch<A extends unknown[] = unknown[]>(source: EventEmitter, event: string, callback: (...args: A) => void): Watcher {
    void [source, event, callback];
    return todo('event-loop', 'EventLoop.watch');
  }

  /**
   * Writes `data` to `stream`; when the stream reports the write done, `callback(err)` (null on
   * success) runs in the pending phase of the loop's next iteration. A write in flight keeps the
   * loop alive.
   */
  write(stream: Writable, data: string | Uint8Array, callback?: (err: Error | null) => void): void {
    void [stream, data, callback];
    todo('event-loop', 'EventLoop.write');
  }

  /**
   * Runs `callback` in a close phase: this iteration's, or the next one's when called from the
   * close phase itself. A pending close callback keeps the loop alive.
   */
  onClose(callback: () => void): void {
    void callback;
    todo('event-loop', 'EventLoop.onClose');
  }

  /**
   * Drains the nextTicks and microtasks queued before the call (like Node after the main module),
   * then runs iterations (timers, pending, poll, check, close) while anything keeps the loop alive:
   * an active timer, an immediate, an open watcher, a write in flight, a pending or a close
   * callback. Resolves when none is left; rejects with the error if a callback throws.
   */
  async run(): Promise<void> {
    return todo('event-loop', 'EventLoop.run');
  }
}
