/** What the stage 4 spec and its worker threads (worker.ts) say to each other. */

export type Job =
  /** Pushes from..to-1 in order with push(value, timeoutMs). */
  | { role: 'producer'; buffer: SharedArrayBuffer; from: number; to: number; timeoutMs: number }
  /**
   * Pops with pop(timeoutMs) until it pops STOP, counting every value in `seen` (an Int32Array
   * over a SharedArrayBuffer) and checking that each producer's values arrive in increasing order.
   */
  | { role: 'consumer'; buffer: SharedArrayBuffer; seen: SharedArrayBuffer; perProducer: number; producers: number; timeoutMs: number }
  /**
   * Spins on tryPop (never sleeps, so it pounces on a cell the moment it is published) until the
   * consumers together have popped `total` values or `deadlineMs` has passed. Slot 0 of `seen`
   * counts pops across all of them; slot v counts value v (values are 1..total).
   */
  | { role: 'spin-consumer'; buffer: SharedArrayBuffer; seen: SharedArrayBuffer; total: number; deadlineMs: number }
  /** Says 'ready', then one blocking pop(timeoutMs). */
  | { role: 'pop-once'; buffer: SharedArrayBuffer; timeoutMs: number }
  /** Says 'ready', then one blocking push(value, timeoutMs). */
  | { role: 'push-once'; buffer: SharedArrayBuffer; value: number; timeoutMs: number };

export type Report =
  | { role: 'producer'; pushed: number; timedOutAt?: number }
  | { role: 'consumer'; popped: number; outOfOrder: number; outOfRange: number; firstBad?: number; stalled: boolean }
  | { role: 'spin-consumer'; popped: number; outOfRange: number; firstBad?: number; timedOut: boolean }
  | { role: 'pop-once'; value: number | undefined; elapsedMs: number }
  | { role: 'push-once'; pushed: boolean; elapsedMs: number };

export type Message =
  | { type: 'hello' }
  | { type: 'ready'; id: number }
  | { type: 'done'; id: number; report: Report }
  | { type: 'error'; id: number; message: string };

/** What the spec pushes to tell a consumer to stop. Producers push only values >= 0. */
export const STOP = -1;
