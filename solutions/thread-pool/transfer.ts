/**
 * What a task returns to hand buffers back without copying: `return new Transfer(value, [buf])`.
 * The worker bootstrap posts `value` with `transferList`, so the buffers move to the main thread
 * (and become detached, byteLength 0, in the worker).
 */
import type { TransferListItem } from 'node:worker_threads';

export class Transfer<T = unknown> {
  constructor(
    readonly value: T,
    readonly transferList: readonly TransferListItem[],
  ) {}
}
