/**
 * An async task that takes `ms`, and records in a shared Int32Array what the pool cannot hide:
 * how many tasks run at once and in which order they start. Layout of `sab` (see Tracker in
 * ../helpers.ts): [0] running now, [1] most ever running, [2] started, [3] finished,
 * [4 + id] the start number of task `id` (-1 until it starts).
 */
import { threadId } from 'node:worker_threads';

export interface SleepInput {
  ms: number;
  id?: number;
  sab?: SharedArrayBuffer;
}

export default async function sleep({ ms, id, sab }: SleepInput): Promise<{ id: number | undefined; threadId: number }> {
  const a = sab ? new Int32Array(sab) : undefined;
  if (a) {
    const now = Atomics.add(a, 0, 1) + 1;
    for (let max = Atomics.load(a, 1); max < now; max = Atomics.load(a, 1)) {
      if (Atomics.compareExchange(a, 1, max, now) === max) break;
    }
    const order = Atomics.add(a, 2, 1);
    if (id !== undefined) Atomics.store(a, 4 + id, order);
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (a) {
    Atomics.sub(a, 0, 1);
    Atomics.add(a, 3, 1);
  }
  return { id, threadId };
}
