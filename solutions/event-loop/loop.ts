/**
 * An event loop in the shape of Node's (libuv underneath, lib/internal/timers.js and
 * process.nextTick on top). One iteration runs five phases:
 *
 *   timers   timers whose deadline has come, in (deadline, insertion) order
 *   pending  I/O completions deferred from the previous iteration (here: write callbacks)
 *   poll     wait for I/O, at most until the nearest timer, then run the I/O callbacks
 *   check    setImmediate callbacks queued before the phase began
 *   close    close callbacks
 *
 * and after every single callback it drains the nextTick queue, then the microtask queue, until
 * both are empty (Node >= 11).
 */
import type { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { realClock, type Clock } from './clock.ts';
import { MinHeap } from './heap.ts';
import { Queue } from './queue.ts';

/** Where the loop is; `idle` outside run() and between iterations. */
export type Phase = 'idle' | 'timers' | 'pending' | 'poll' | 'check' | 'close';

/** Returned by setTimeout and setInterval; only clearTimeout/clearInterval look inside. */
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
  /** Defaults to realClock; tests pass a VirtualClock. */
  clock?: Clock;
}

type Fn = (...args: unknown[]) => void;

/** The loop stores callbacks with their arguments; their own parameter types matter only to callers. */
const erase = <A extends unknown[]>(fn: (...args: A) => void): Fn => fn as unknown as Fn;

/** Node's largest delay; anything outside [1, TIMEOUT_MAX] (NaN, 0, negative, too big) becomes 1. */
const TIMEOUT_MAX = 2 ** 31 - 1;

class TimerHandle {
  deadline = 0;
  seq = 0;
  /** Scheduled and not yet cleared (a one-shot timer stops being active when it fires). */
  active = true;
  constructor(
    readonly fn: Fn,
    readonly args: unknown[],
    readonly ms: number,
    readonly repeat: boolean,
  ) {}
}

class ImmediateHandle {
  done = false;
  constructor(
    readonly fn: Fn,
    readonly args: unknown[],
  ) {}
}

interface Task {
  fn: Fn;
  args: unknown[];
}

interface IoEvent {
  watcher: { closed: boolean; fn: Fn };
  args: unknown[];
}

function coerceDelay(ms: unknown): number {
  const n = Number(ms);
  return n >= 1 && n <= TIMEOUT_MAX ? n : 1;
}

function checkFunction(fn: unknown, api: string): void {
  if (typeof fn !== 'function') throw new TypeError(`${api}: the callback must be a function, got ${fn === null ? 'null' : typeof fn}`);
}

const noop = () => {};

export class EventLoop {
  readonly #clock: Clock;
  #phase: Phase = 'idle';
  #running = false;

  // Timers: one heap ordered by deadline, then by a sequence number so equal deadlines keep
  // insertion order. Cleared timers stay in the heap (marked inactive) and are skipped.
  readonly #timers = new MinHeap<TimerHandle>((a, b) => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq));
  #activeTimers = 0;
  #seq = 0;

  #immediates = new Queue<ImmediateHandle>();
  #liveImmediates = 0;

  readonly #ticks = new Queue<Task>();
  readonly #microtasks = new Queue<Task>();

  #pending = new Queue<Task>();
  #closing = new Queue<Task>();

  #ready = new Queue<IoEvent>();
  #openWatchers = 0;
  #writesInFlight = 0;
  /** Set while the poll phase sleeps: ends the sleep early when I/O arrives. */
  #wake: (() => void) | undefined;

  constructor(options: EventLoopOptions = {}) {
    this.#clock = options.clock ?? realClock;
  }

  /** The phase the loop is in. */
  get phase(): Phase {
    return this.#phase;
  }

  /** The clock's time in milliseconds. */
  now(): number {
    return this.#clock.now();
  }

  setTimeout<A extends unknown[]>(callback: (...args: A) => void, ms?: number, ...args: A): Timer {
    checkFunction(callback, 'setTimeout');
    this.#activeTimers++;
    return this.#arm(new TimerHandle(erase(callback), args, coerceDelay(ms), false), this.#clock.now());
  }

  setInterval<A extends unknown[]>(callback: (...args: A) => void, ms?: number, ...args: A): Timer {
    checkFunction(callback, 'setInterval');
    this.#activeTimers++;
    return this.#arm(new TimerHandle(erase(callback), args, coerceDelay(ms), true), this.#clock.now());
  }

  clearTimeout(timer: Timer | undefined | null): void {
    if (timer instanceof TimerHandle && timer.active) {
      timer.active = false;
      this.#activeTimers--;
    }
  }

  clearInterval(timer: Timer | undefined | null): void {
    this.clearTimeout(timer);
  }

  setImmediate<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Immediate {
    checkFunction(callback, 'setImmediate');
    const im = new ImmediateHandle(erase(callback), args);
    this.#immediates.push(im);
    this.#liveImmediates++;
    return im;
  }

  clearImmediate(immediate: Immediate | undefined | null): void {
    if (immediate instanceof ImmediateHandle && !immediate.done) {
      immediate.done = true;
      this.#liveImmediates--;
    }
  }

  nextTick<A extends unknown[]>(callback: (...args: A) => void, ...args: A): void {
    checkFunction(callback, 'nextTick');
    this.#ticks.push({ fn: erase(callback), args });
  }

  queueMicrotask(callback: () => void): void {
    checkFunction(callback, 'queueMicrotask');
    this.#microtasks.push({ fn: callback, args: [] });
  }

  watch<A extends unknown[] = unknown[]>(source: EventEmitter, event: string, callback: (...args: A) => void): Watcher {
    checkFunction(callback, 'watch');
    const state = { closed: false, fn: erase(callback) };
    // The listener runs in Node's loop, while ours sleeps in poll: record the event, wake the poll.
    const listener = (...args: unknown[]) => {
      if (state.closed) return;
      this.#ready.push({ watcher: state, args });
      this.#wake?.();
    };
    source.on(event, listener);
    this.#openWatchers++;
    return {
      get closed() {
        return state.closed;
      },
      close: (onClosed?: () => void) => {
        if (state.closed) return;
        state.closed = true;
        source.off(event, listener);
        this.#openWatchers--;
        this.onClose(onClosed ?? noop);
      },
    };
  }

  write(stream: Writable, data: string | Uint8Array, callback?: (err: Error | null) => void): void {
    this.#writesInFlight++;
    stream.write(data, (err) => {
      this.#writesInFlight--;
      // Deferred like libuv's write completions: the pending phase of the next iteration.
      this.#pending.push({ fn: () => callback?.(err ?? null), args: [] });
      this.#wake?.();
    });
  }

  onClose(callback: () => void): void {
    checkFunction(callback, 'onClose');
    this.#closing.push({ fn: callback, args: [] });
  }

  async run(): Promise<void> {
    if (this.#running) throw new Error('EventLoop.run(): the loop is already running');
    this.#running = true;
    try {
      for (;;) {
        this.#enter('idle');
        if (!this.#alive()) return;
        this.#enter('timers');
        this.#runTimers();
        this.#enter('pending');
        this.#runPending();
        this.#enter('poll');
        await this.#poll();
        this.#enter('check');
        this.#runCheck();
        this.#enter('close');
        this.#runClosing();
      }
    } finally {
      this.#phase = 'idle';
      this.#wake = undefined;
      this.#running = false;
    }
  }

  // ------------------------------------------------------------------ internals

  #arm(t: TimerHandle, start: number): TimerHandle {
    t.deadline = start + t.ms;
    t.seq = this.#seq++;
    this.#timers.push(t);
    return t;
  }

  /** Switches phase. Anything queued outside a callback (nextTick before run()) is drained here. */
  #enter(phase: Phase): void {
    this.#drainTicksAndMicrotasks();
    this.#phase = phase;
  }

  /** What keeps the loop running (libuv: active handles, requests and closing handles). */
  #alive(): boolean {
    return (
      this.#activeTimers > 0 ||
      this.#liveImmediates > 0 ||
      this.#openWatchers > 0 ||
      this.#writesInFlight > 0 ||
      this.#pending.length > 0 ||
      this.#closing.length > 0 ||
      this.#ready.length > 0
    );
  }

  /**
   * Runs one callback, then drains (Node >= 11: after every callback, not once per phase).
   * `after` runs between the two: an interval is re-armed there, before its microtasks, as Node does.
   */
  #invoke(fn: Fn, args: unknown[], after?: () => void): void {
    fn(...args);
    after?.();
    this.#drainTicksAndMicrotasks();
  }

  /** All nextTicks (including ones they add), then all microtasks (likewise); again while ticks were added. */
  #drainTicksAndMicrotasks(): void {
    do {
      this.#runQueue(this.#ticks);
      this.#runQueue(this.#microtasks);
    } while (this.#ticks.length > 0);
  }

  #runQueue(q: Queue<Task>): void {
    for (let task = q.shift(); task; task = q.shift()) task.fn(...task.args);
  }

  #runTimers(): void {
    // Read the clock once: only timers due when the phase began run now. A timer armed by these
    // callbacks is due at the earliest 1 ms after its own call, so it waits for another iteration.
    const now = this.#clock.now();
    for (;;) {
      const t = this.#timers.peek();
      if (!t) break;
      if (!t.active) {
        this.#timers.pop();
        continue;
      }
      if (t.deadline > now) break;
      this.#timers.pop();
      if (t.repeat) {
        // Node re-arms an interval from the clock reading taken just before its callback, so a
        // late or slow interval drifts instead of firing a burst to catch up.
        const start = this.#clock.now();
        this.#invoke(t.fn, t.args, () => {
          if (t.active) this.#arm(t, start);
        });
      } else {
        t.active = false;
        this.#activeTimers--;
        this.#invoke(t.fn, t.args);
      }
    }
  }

  #runPending(): void {
    const batch = this.#pending;
    this.#pending = new Queue<Task>();
    for (let task = batch.shift(); task; task = batch.shift()) this.#invoke(task.fn, task.args);
  }

  /** How long poll may block: not at all when something is ready to run, else until the nearest timer. */
  #pollTimeout(): number {
    if (!this.#alive()) return 0;
    if (this.#liveImmediates > 0 || this.#pending.length > 0 || this.#closing.length > 0 || this.#ready.length > 0) return 0;
    for (let t = this.#timers.peek(); t; t = this.#timers.peek()) {
      if (t.active) return Math.max(0, t.deadline - this.#clock.now());
      this.#timers.pop();
    }
    return Infinity; // only I/O (a watcher, a write in flight) can end the wait
  }

  async #poll(): Promise<void> {
    const timeout = this.#pollTimeout();
    const wake = new AbortController();
    this.#wake = () => wake.abort();
    try {
      // Even with a timeout of 0 the sleep yields once to Node, which is when sockets are read:
      // skipping it would starve I/O whenever the loop is never idle.
      await this.#clock.sleep(timeout, wake.signal);
    } finally {
      this.#wake = undefined;
    }
    const batch = this.#ready;
    this.#ready = new Queue<IoEvent>();
    for (let ev = batch.shift(); ev; ev = batch.shift()) {
      if (!ev.watcher.closed) this.#invoke(ev.watcher.fn, ev.args);
    }
  }

  #runCheck(): void {
    // Only the immediates queued before the phase began: ones these callbacks queue wait for the
    // next iteration, so a setImmediate chain cannot keep the loop from its timers and I/O.
    const batch = this.#immediates;
    this.#immediates = new Queue<ImmediateHandle>();
    for (let im = batch.shift(); im; im = batch.shift()) {
      if (im.done) continue;
      im.done = true;
      this.#liveImmediates--;
      this.#invoke(im.fn, im.args);
    }
  }

  #runClosing(): void {
    // Likewise: a close callback that closes something else leaves it for the next iteration.
    const batch = this.#closing;
    this.#closing = new Queue<Task>();
    for (let task = batch.shift(); task; task = batch.shift()) this.#invoke(task.fn, task.args);
  }
}
