/**
 * Queues: a ring buffer, a priority queue, an async bounded blocking queue and a shared MPMC
 * queue across worker threads. Read README.md first; each stage has its own file.
 */
export { RingBuffer } from './ring-buffer.ts';
export { PriorityQueue, type Compare } from './priority-queue.ts';
export { BoundedBlockingQueue, type WaitOptions } from './blocking-queue.ts';
export { ClosedError, TimeoutError } from './errors.ts';
export { SharedQueue } from './shared-queue.ts';
