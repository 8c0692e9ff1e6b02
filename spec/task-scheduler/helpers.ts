/**
 * Shared pieces of the task-scheduler spec: a fake clock, a clock that runs faster than real time
 * (for child processes), and small utilities.
 */
import type { Clock, SchedulerEvent, TimerHandle } from '#kata/task-scheduler';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
/** 2030-01-01T00:00:00Z: a Tuesday. */
export const T0 = Date.UTC(2030, 0, 1);

export const iso = (ms: number) => new Date(ms).toISOString();
export const runId = (jobId: string, due: number) => `${jobId}@${iso(due)}`;

/** Lets every promise chain that does not wait on real I/O or real time run to its end. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/**
 * A clock that moves only when told. Timers fire in time order (ties in the order they were set);
 * after each one, pending promise chains are allowed to finish before time moves on.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  constructor(start = T0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    if (!(typeof ms === 'number' && ms >= 0 && Number.isFinite(ms))) throw new RangeError(`FakeClock.setTimer: bad delay ${ms}`);
    const t: FakeTimer = { at: this.#now + ms, seq: this.#seq++, fn, live: true };
    this.#timers.push(t);
    return {
      cancel: () => {
        t.live = false;
      },
    };
  }

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => t.live).length;
  }

  /** A promise resolved after `ms` of fake time (for handlers that "take time"). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  /** Moves time to `to`, firing every timer due on the way at its own time. */
  async advanceTo(to: number): Promise<void> {
    await settle();
    for (;;) {
      this.#timers = this.#timers.filter((t) => t.live);
      let first: FakeTimer | undefined;
      for (const t of this.#timers) if (t.at <= to && (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq))) first = t;
      if (!first) break;
      first.live = false;
      this.#now = Math.max(this.#now, first.at);
      first.fn();
      await settle();
    }
    this.#now = Math.max(this.#now, to);
    await settle();
  }
}

/**
 * A real-time clock that runs `speed` times faster, anchored so that several processes agree:
 * virtual now = virtualStart + (Date.now() - realStart) * speed.
 */
export function fastClock(virtualStart: number, realStart: number, speed: number): Clock {
  return {
    now: () => virtualStart + (Date.now() - realStart) * speed,
    setTimer(ms, fn) {
      const t = setTimeout(fn, Math.max(0, Math.ceil(ms / speed)));
      return { cancel: () => clearTimeout(t) };
    },
  };
}

/** Collects events; `of(type)` filters them. */
export class EventLog {
  readonly events: SchedulerEvent[] = [];
  readonly listener = (e: SchedulerEvent) => {
    this.events.push(e);
  };
  of<T extends SchedulerEvent['type']>(type: T): Extract<SchedulerEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<SchedulerEvent, { type: T }> => e.type === type);
  }
}

/** A promise with its resolve/reject outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(v?: T): void; reject(e: unknown): void } {
  let resolve!: (v?: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res as (v?: T) => void;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Strips SGR escapes. */
export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
