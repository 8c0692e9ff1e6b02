/**
 * Benchmarks: the reference beside peer libraries in one process, same inputs, ratios printed.
 * Samples of all cases are interleaved so a busy moment of the machine hurts every case alike.
 */
import { performance } from 'node:perf_hooks';

export interface BenchCase {
  name: string;
  /** One operation (or `opsPerCall` of them). */
  fn: () => unknown;
}

export interface BenchRow {
  name: string;
  opsPerSec: number;
  /** The first case's ops/s divided by this case's (1 for the first). */
  ratio: number;
}

export interface CompareOptions {
  /** Total measuring time per case (default 1500 ms), split into `samples` rounds. */
  minMs?: number;
  samples?: number;
  /** How many operations one call of `fn` performs (default 1). */
  opsPerCall?: number;
}

let sink: unknown;

function timeCalls(fn: () => unknown, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) sink = fn();
  return performance.now() - t0;
}

/** How many calls take about `ms`: doubles until it does. */
function calibrate(fn: () => unknown, ms: number): number {
  let calls = 1;
  for (;;) {
    const took = timeCalls(fn, calls);
    if (took >= ms || calls > 2 ** 30) return Math.max(1, Math.round((calls * ms) / Math.max(took, 0.001)));
    calls *= 2;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function formatOps(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(1);
}

/** Prints an aligned table; the first column left-aligned, the rest right-aligned. */
export function printTable(title: string, headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Measures each case and prints ops/s with the ratio of the first case (the reference) to each. */
export function compare(title: string, cases: BenchCase[], opts: CompareOptions = {}): BenchRow[] {
  if (cases.length === 0) throw new Error('compare needs at least one case');
  const samples = opts.samples ?? 5;
  const sampleMs = (opts.minMs ?? 1500) / samples;
  const opsPerCall = opts.opsPerCall ?? 1;
  const calls = cases.map((c) => {
    calibrate(c.fn, 50); // warm up the JIT
    return calibrate(c.fn, sampleMs);
  });
  const rates: number[][] = cases.map(() => []);
  for (let s = 0; s < samples; s++) {
    cases.forEach((c, i) => {
      const took = timeCalls(c.fn, calls[i]!);
      rates[i]!.push((calls[i]! * opsPerCall * 1000) / Math.max(took, 0.001));
    });
  }
  const ops = rates.map(median);
  const rows = cases.map((c, i) => ({ name: c.name, opsPerSec: ops[i]!, ratio: ops[0]! / ops[i]! }));
  printTable(
    title,
    ['case', 'ops/s', `${cases[0]!.name} ÷ case`],
    rows.map((r, i) => [r.name, formatOps(r.opsPerSec), i === 0 ? '1.00×' : `${r.ratio.toFixed(2)}×`]),
  );
  void sink;
  return rows;
}
