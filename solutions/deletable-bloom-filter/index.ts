/**
 * Reference solution: a counting Bloom filter with 4-bit counters and the Deletable Bloom Filter.
 */
export type { Key } from './hash.ts';
export { CountingBloomFilter, COUNTER_MAX } from './counting.ts';
export { DeletableBloomFilter } from './deletable.ts';
export { expectedDeletability } from './deletability.ts';
