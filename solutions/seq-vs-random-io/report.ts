/** The report: a table with MB/s and IOPS per case, the sequential/random ratios, and charts. */
import { BenchConfigError } from './errors.ts';
import type { CaseResult, FsyncMode, IoMode } from './run.ts';

/** `512 B`, `4 KiB`, `1 MiB`, `1.5 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Number((n / 1024).toFixed(2))} KiB`;
  if (n < 1024 ** 3) return `${Number((n / 1024 ** 2).toFixed(2))} MiB`;
  return `${Number((n / 1024 ** 3).toFixed(2))} GiB`;
}

export interface SeqRandomRatio {
  mode: IoMode;
  blockBytes: number;
  fsync: FsyncMode;
  /** MB/s of the sequential row. */
  sequential: number;
  /** MB/s of the random row. */
  random: number;
  /** sequential / random. Same block size, so it is also the IOPS ratio. */
  ratio: number;
}

/**
 * Pairs each sequential row with the random row of the same mode, block size and fsync mode
 * (the first of each, in row order); groups without both patterns are left out.
 */
export function compareSeqRandom(rows: readonly CaseResult[]): SeqRandomRatio[] {
  const groups = new Map<string, { mode: IoMode; blockBytes: number; fsync: FsyncMode; sequential?: number; random?: number }>();
  for (const r of rows) {
    const key = `${r.mode}|${r.blockBytes}|${r.fsync}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { mode: r.mode, blockBytes: r.blockBytes, fsync: r.fsync }));
    if (g[r.pattern] === undefined) g[r.pattern] = r.mbPerSec;
  }
  const out: SeqRandomRatio[] = [];
  for (const g of groups.values()) {
    if (g.sequential === undefined || g.random === undefined) continue;
    out.push({ mode: g.mode, blockBytes: g.blockBytes, fsync: g.fsync, sequential: g.sequential, random: g.random, ratio: g.sequential / g.random });
  }
  return out;
}

export const REPORT_COLUMNS = ['mode', 'pattern', 'block', 'fsync', 'ops', 'bytes', 'seconds', 'MB/s', 'IOPS', 'p50 µs', 'p99 µs', 'seeks'] as const;

/**
 * A plain-text table: a header line, a rule, one line per row in the order given; columns are
 * separated by at least two spaces. After it, when any group has both patterns, the
 * sequential ÷ random ratios.
 */
export function formatReport(rows: readonly CaseResult[]): string {
  if (!Array.isArray(rows)) throw new BenchConfigError('rows', 'must be an array of case results');
  const cells = rows.map((r) => [
    r.mode,
    r.pattern,
    formatBytes(r.blockBytes),
    r.fsync,
    String(r.ops),
    String(r.bytes),
    r.seconds.toFixed(3),
    r.mbPerSec.toFixed(2),
    String(Math.round(r.iops)),
    r.latencies.p50.toFixed(1),
    r.latencies.p99.toFixed(1),
    String(r.seeks),
  ]);
  const head: string[] = [...REPORT_COLUMNS];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const left = 4; // mode, pattern, block, fsync: text, left-aligned; the numbers right-aligned
  const line = (c: readonly string[]) => c.map((s, i) => (i < left ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  const ratios = compareSeqRandom(rows);
  if (ratios.length > 0) {
    out.push('', 'sequential ÷ random (MB/s):');
    for (const q of ratios) {
      out.push(`  ${q.mode} ${formatBytes(q.blockBytes)} fsync=${q.fsync}: ${q.sequential.toFixed(2)} / ${q.random.toFixed(2)} = ${q.ratio.toFixed(2)}×`);
    }
  }
  return out.join('\n');
}

export interface ChartSeries {
  name: string;
  points: Array<[number, number]>;
}

/** A chart description; #support/chart's lineChart and terminalChart draw it. */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  logX: boolean;
  logY: boolean;
  series: ChartSeries[];
}

export type ChartMetric = 'mbPerSec' | 'iops';

/**
 * One line per (mode, pattern, fsync) combination, named `<mode> <pattern> fsync=<fsync>`, in
 * order of first appearance; points [block size in KiB, MB/s or IOPS], sorted by block size;
 * both axes logarithmic.
 */
export function chartReport(rows: readonly CaseResult[], metric: ChartMetric = 'mbPerSec'): ChartSpec {
  if (!Array.isArray(rows)) throw new BenchConfigError('rows', 'must be an array of case results');
  if (metric !== 'mbPerSec' && metric !== 'iops') throw new BenchConfigError('metric', `must be 'mbPerSec' or 'iops', got ${JSON.stringify(metric)}`);
  const series = new Map<string, ChartSeries>();
  for (const r of rows) {
    const name = `${r.mode} ${r.pattern} fsync=${r.fsync}`;
    let s = series.get(name);
    if (!s) series.set(name, (s = { name, points: [] }));
    s.points.push([r.blockBytes / 1024, metric === 'iops' ? r.iops : r.mbPerSec]);
  }
  for (const s of series.values()) s.points.sort((a, b) => a[0] - b[0]);
  return {
    title: metric === 'iops' ? 'IOPS vs block size' : 'throughput vs block size',
    xLabel: 'block size (KiB)',
    yLabel: metric === 'iops' ? 'IOPS' : 'MB/s',
    logX: true,
    logY: true,
    series: [...series.values()],
  };
}
