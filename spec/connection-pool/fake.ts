/**
 * An in-process factory for the pool's fast stages: resources are plain objects, creation takes a
 * microtask (or waits at a gate the test opens), and every call is counted, so a test can see
 * exactly what the pool asked for.
 */
import type { Factory } from '#kata/connection-pool';

export interface FakeConn {
  id: number;
  /** Set by a test to make validate() say false, like a connection the server dropped. */
  broken: boolean;
  destroyed: boolean;
}

interface Gate {
  open(): void;
  fail(err: unknown): void;
}

export class FakeFactory implements Factory<FakeConn> {
  readonly created: FakeConn[] = [];
  readonly destroyed: FakeConn[] = [];
  validations = 0;
  /** The most resources alive at once (created and not destroyed). */
  peak = 0;
  /** Errors the next create() calls reject with, in order. */
  readonly failures: unknown[] = [];
  /** While true, create() waits until the test calls openGates() or failGates(). */
  holdCreates = false;
  /** While true, validate() waits until the test calls openGates(). */
  holdValidations = false;
  /** validate() throws for these (instead of answering). */
  readonly validateThrows = new Set<FakeConn>();
  readonly #gates: Gate[] = [];
  #nextId = 1;
  #live = 0;

  get live(): number {
    return this.#live;
  }

  /** Creations and validations waiting at a gate. */
  get held(): number {
    return this.#gates.length;
  }

  async create(): Promise<FakeConn> {
    if (this.holdCreates) await this.#gate();
    else await Promise.resolve();
    if (this.failures.length) throw this.failures.shift();
    const conn: FakeConn = { id: this.#nextId++, broken: false, destroyed: false };
    this.created.push(conn);
    this.#live++;
    this.peak = Math.max(this.peak, this.#live);
    return conn;
  }

  /** Counts the resource gone as soon as destroy() is called: its slot may be reused from then on. */
  async destroy(conn: FakeConn): Promise<void> {
    if (conn.destroyed) throw new Error(`fake connection ${conn.id} destroyed twice`);
    conn.destroyed = true;
    this.destroyed.push(conn);
    this.#live--;
    await Promise.resolve();
  }

  async validate(conn: FakeConn): Promise<boolean> {
    this.validations++;
    if (this.holdValidations) await this.#gate();
    else await Promise.resolve();
    if (this.validateThrows.has(conn)) throw new Error(`fake connection ${conn.id}: validation query failed`);
    return !conn.broken && !conn.destroyed;
  }

  /** Lets every held creation and validation go on. */
  openGates(): void {
    for (const g of this.#gates.splice(0)) g.open();
  }

  /** Makes every held creation reject with `err`. */
  failGates(err: unknown): void {
    for (const g of this.#gates.splice(0)) g.fail(err);
  }

  #gate(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#gates.push({ open: resolve, fail: reject }));
  }
}

/** A factory without validate(), for the stages that do not check resources. */
export function withoutValidation(f: FakeFactory): Factory<FakeConn> {
  return { create: () => f.create(), destroy: (c) => f.destroy(c) };
}

export interface Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  value?: T;
  reason?: unknown;
}

/** Watches a promise without awaiting it, so a test can ask later whether it settled. */
export function track<T>(p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { state: 'pending' };
  p.then(
    (value) => Object.assign(t, { state: 'fulfilled', value }),
    (reason) => Object.assign(t, { state: 'rejected', reason }),
  );
  return t;
}

/** Lets every promise callback that is ready run (setImmediate comes after all microtasks). */
export const settle = () => new Promise<void>((r) => setImmediate(r));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Awaits `p`, failing after `ms` with `what` instead of hanging until the test times out. */
export async function within<T>(p: Promise<T>, what: string, ms = 2000): Promise<T> {
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
