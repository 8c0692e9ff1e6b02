/**
 * Reference solution of the bloom-filter kata: MurmurHash3_x86_32, a Bloom filter with
 * Kirsch–Mitzenmacher double hashing, sizing from (n, p) and the classic false-positive estimate.
 */
export { murmur3_32 } from './murmur3.ts';
export { BloomFilter } from './filter.ts';
export { optimalParameters, theoreticalFpr } from './sizing.ts';
