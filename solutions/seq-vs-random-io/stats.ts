/** Turning a run's bytes, ops and clock readings into MB/s, IOPS and latency percentiles. */
import { BenchConfigError } from './errors.ts';

/** A megabyte is 10^6 bytes (as disk vendors and fio's "MB/s" count), not a mebibyte (2^20). */
const MB = 1_000_000;

export interface Latencies {
  /** Median latency of one access, in microseconds. */
  p50: number;
  /** 99th percentile latency of one access, in microseconds. */
  p99: number;
}

export interface Measurement {
  /** Bytes actually transferred: the sum of what every read or write call returned. */
  bytes: number;
  /** Accesses (blocks) done; fsync calls are not counted. */
  ops: number;
  /** Wall time from before the first access to after the last one (and its fsync). */
  seconds: number;
  /** bytes / 10^6 / seconds. */
  mbPerSec: number;
  /** ops / seconds. */
  iops: number;
  latencies: Latencies;
}

export interface SummarizeInput {
  bytes: number;
  ops: number;
  /** Clock difference over the whole run, in nanoseconds. */
  elapsedNs: bigint;
  /** One entry per access, in nanoseconds. */
  latenciesNs: readonly bigint[];
}

/**
 * The nearest-rank percentile: the smallest value with at least p% of the values at or below it.
 * rank = ceil(p × n / 100), the value is the rank-th smallest (1-based); p = 0 gives the minimum.
 * Always one of the values, never an interpolation.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!Array.isArray(values) || values.length === 0) throw new BenchConfigError('values', 'need at least one value');
  if (values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw new BenchConfigError('values', 'must all be finite numbers');
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) throw new BenchConfigError('p', `must be in [0, 100], got ${String(p)}`);
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = Math.max(1, Math.ceil((p * n) / 100));
  return sorted[rank - 1]!;
}

export function summarize(input: SummarizeInput): Measurement {
  const { bytes, ops, elapsedNs, latenciesNs } = input;
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new BenchConfigError('bytes', `must be a non-negative integer, got ${String(bytes)}`);
  if (!Number.isSafeInteger(ops) || ops <= 0) throw new BenchConfigError('ops', `must be a positive integer, got ${String(ops)}`);
  if (typeof elapsedNs !== 'bigint' || elapsedNs <= 0n) {
    throw new BenchConfigError('elapsedNs', `must be a positive bigint (nanoseconds), got ${String(elapsedNs)}`);
  }
  if (!Array.isArray(latenciesNs) || latenciesNs.length !== ops) {
    throw new BenchConfigError('latenciesNs', `need one latency per op (${ops}), got ${Array.isArray(latenciesNs) ? latenciesNs.length : String(latenciesNs)}`);
  }
  if (latenciesNs.some((l) => typeof l !== 'bigint' || l < 0n)) throw new BenchConfigError('latenciesNs', 'must all be non-negative bigints');
  const seconds = Number(elapsedNs) / 1e9;
  const micros = latenciesNs.map((ns) => Number(ns) / 1000);
  return {
    bytes,
    ops,
    seconds,
    mbPerSec: bytes / MB / seconds,
    iops: ops / seconds,
    latencies: { p50: percentile(micros, 50), p99: percentile(micros, 99) },
  };
}
