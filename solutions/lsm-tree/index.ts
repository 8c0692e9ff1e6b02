/**
 * Reference solution of the lsm-tree kata: a log-structured merge tree with a WAL, a sorted
 * memtable, SSTables (CRC'd blocks, sparse index, bloom filter, footer checksum), a merge iterator,
 * tombstones, levelled compaction and range scans. See katas/lsm-tree/README.md for the formats.
 */
export type { Entry } from './bytes.ts';
export { LsmClosedError, LsmCorruptionError } from './errors.ts';
export { openLsm, type Lsm, type LsmOptions, type LsmStats } from './lsm.ts';
export { Memtable } from './memtable.ts';
export { mergeIterators, type MergeOptions } from './merge.ts';
export { openSSTable, writeSSTable, type SSTable, type SSTableInfo, type SSTableWriteOptions } from './sstable.ts';
