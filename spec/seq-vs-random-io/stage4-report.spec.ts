/**
 * Stage 4: the matrix, the report and the chart. Cases run one after another and are all checked
 * first; the table has MB/s and IOPS for every case; the sequential ÷ random ratios pair the right
 * rows; the chart has one line per mode, pattern and fsync, drawn by the workbook's chart module.
 */
import { describe, expect, it } from 'vitest';
import {
  BenchConfigError,
  chartReport,
  compareSeqRandom,
  formatBytes,
  formatReport,
  runCase,
  runMatrix,
  type CaseOptions,
  type CaseResult,
} from '#kata/seq-vs-random-io';
import { lineChart, terminalChart } from '#support/chart';
import { SimFs } from '#support/simfs/index';
import { Recorder, type Cost } from './helpers.ts';

const B = 4096;
const costs: Partial<Record<string, Cost>> = {
  write: (c) => 7_000n + BigInt(c.position! % 3) * 1000n,
  read: (c) => 3_000n + BigInt((c.position! / B) % 4) * 1000n,
  fsync: () => 1_500_000n,
};

function cases(fs: Recorder): CaseOptions[] {
  const base = { dir: '/m', fileBytes: 32 * B, ops: 24, seed: 5, fs: fs.fs, clock: fs.clock };
  return [
    { ...base, mode: 'write', pattern: 'sequential', blockBytes: B, fsync: 'each' },
    { ...base, mode: 'write', pattern: 'random', blockBytes: B, fsync: 'each' },
    { ...base, mode: 'read', pattern: 'sequential', blockBytes: 2 * B, fsync: 'none' },
    { ...base, mode: 'read', pattern: 'random', blockBytes: 2 * B, fsync: 'none' },
  ];
}

function row(over: Partial<CaseResult>): CaseResult {
  return {
    mode: 'write',
    pattern: 'sequential',
    blockBytes: B,
    fileBytes: 1024 * B,
    fsync: 'none',
    seed: 1,
    file: '/x/io-bench.dat',
    seeks: 1,
    bytes: 100 * B,
    ops: 100,
    seconds: 0.25,
    mbPerSec: 1.6384,
    iops: 400,
    latencies: { p50: 2.5, p99: 10.25 },
    ...over,
  };
}

const ROWS: CaseResult[] = [
  row({ mode: 'write', pattern: 'sequential', blockBytes: B, fsync: 'each', mbPerSec: 12.34567, iops: 3014.0625, seconds: 1.23456, latencies: { p50: 311.44, p99: 1250.96 }, seeks: 1 }),
  row({ mode: 'write', pattern: 'random', blockBytes: B, fsync: 'each', mbPerSec: 4.1, iops: 1004.6, seconds: 3.7, latencies: { p50: 900.04, p99: 4000 }, seeks: 98 }),
  row({ mode: 'read', pattern: 'random', blockBytes: 1024 * 1024, fsync: 'none', mbPerSec: 800.5, iops: 763.4, bytes: 100 * 1024 * 1024, seeks: 97 }),
  row({ mode: 'read', pattern: 'sequential', blockBytes: 1024 * 1024, fsync: 'none', mbPerSec: 1601, iops: 1526.8, bytes: 100 * 1024 * 1024 }),
  row({ mode: 'read', pattern: 'sequential', blockBytes: 1024 * 1024, fsync: 'none', mbPerSec: 9999, iops: 9999 }), // a second sequential row: not the one paired
  row({ mode: 'write', pattern: 'random', blockBytes: 64 * 1024, fsync: 'none', mbPerSec: 50, iops: 762.9 }), // no sequential partner
];

describe('stage 4: matrix, report and chart', () => {
  it('runMatrix runs every case, one after another, and returns their rows in order', async () => {
    const rec = new Recorder(new SimFs({ seed: 3 }).fs, costs);
    const seen: Array<[string, number]> = [];
    const rows = await runMatrix(cases(rec), (r, i) => seen.push([`${r.mode} ${r.pattern}`, i]));
    expect(rows.map((r) => `${r.mode} ${r.pattern} ${r.blockBytes} ${r.fsync}`)).toEqual([
      'write sequential 4096 each',
      'write random 4096 each',
      'read sequential 8192 none',
      'read random 8192 none',
    ]);
    expect(seen).toEqual([
      ['write sequential', 0],
      ['write random', 1],
      ['read sequential', 2],
      ['read random', 3],
    ]);
    // one case at a time: prepare, measure, remove, then the next
    const opens = rec.calls.filter((c) => c.op === 'open' || c.op === 'unlink').map((c) => (c.op === 'open' ? c.flags : 'unlink'));
    expect(opens).toEqual(['w', 'r+', 'unlink', 'w', 'r+', 'unlink', 'w', 'r', 'unlink', 'w', 'r', 'unlink']);
    // the same numbers as each case run alone
    for (const [i, c] of cases(rec).entries()) {
      const alone = new Recorder(new SimFs({ seed: 3 }).fs, costs);
      expect(rows[i]).toEqual(await runCase({ ...c, fs: alone.fs, clock: alone.clock }));
    }
    expect(await runMatrix([])).toEqual([]);
  });

  it('runMatrix checks every case before it runs the first', async () => {
    const rec = new Recorder(new SimFs({ seed: 3 }).fs, costs);
    const list = cases(rec);
    list[2] = { ...list[2]!, blockBytes: 3000 }; // 32 × 4096 is not a multiple of 3000
    const err = await runMatrix(list).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BenchConfigError);
    expect((err as BenchConfigError).field).toBe('cases[2].fileBytes');
    expect(rec.calls).toEqual([]);
    await expect(runMatrix('nope' as unknown as CaseOptions[])).rejects.toBeInstanceOf(BenchConfigError);
  });

  it('formatReport: a header, a rule, then one line per case with its MB/s and IOPS; then the sequential ÷ random ratios', () => {
    const text = formatReport(ROWS);
    const lines = text.split('\n');
    const head = lines[0]!.trim().split(/\s{2,}/);
    expect(head).toEqual(['mode', 'pattern', 'block', 'fsync', 'ops', 'bytes', 'seconds', 'MB/s', 'IOPS', 'p50 µs', 'p99 µs', 'seeks']);
    expect(lines[1]).toMatch(/^[- ]+$/);
    const col = (name: string) => head.indexOf(name);
    ROWS.forEach((r, i) => {
      const cells = lines[2 + i]!.trim().split(/\s{2,}/);
      const label = `line ${2 + i}: ${lines[2 + i]}`;
      expect(cells.length, label).toBe(head.length);
      expect(cells[col('mode')], label).toBe(r.mode);
      expect(cells[col('pattern')], label).toBe(r.pattern);
      expect(cells[col('block')], label).toBe(formatBytes(r.blockBytes));
      expect(cells[col('fsync')], label).toBe(r.fsync);
      expect(cells[col('ops')], label).toBe(String(r.ops));
      expect(cells[col('bytes')], label).toBe(String(r.bytes));
      expect(cells[col('seconds')], label).toBe(r.seconds.toFixed(3));
      expect(cells[col('MB/s')], label).toBe(r.mbPerSec.toFixed(2));
      expect(cells[col('IOPS')], label).toBe(String(Math.round(r.iops)));
      expect(cells[col('p50 µs')], label).toBe(r.latencies.p50.toFixed(1));
      expect(cells[col('p99 µs')], label).toBe(r.latencies.p99.toFixed(1));
      expect(cells[col('seeks')], label).toBe(String(r.seeks));
    });
    expect(lines[2]!.trim().split(/\s{2,}/)).toEqual(['write', 'sequential', '4 KiB', 'each', '100', '409600', '1.235', '12.35', '3014', '311.4', '1251.0', '1']);
    const rest = lines.slice(2 + ROWS.length).join('\n');
    expect(rest).toContain('sequential ÷ random');
    expect(rest).toContain('write 4 KiB fsync=each: 12.35 / 4.10 = 3.01×');
    expect(rest).toContain('read 1 MiB fsync=none: 1601.00 / 800.50 = 2.00×');
    expect(rest).not.toContain('64 KiB');
    // no pairs, no ratio section
    expect(formatReport([ROWS[0]!])).not.toContain('÷');
    expect(formatReport([]).split('\n')[0]!.trim().split(/\s{2,}/)).toEqual(head);
  });

  it('compareSeqRandom pairs the first sequential and random rows of each mode, block size and fsync', () => {
    expect(compareSeqRandom(ROWS)).toEqual([
      { mode: 'write', blockBytes: B, fsync: 'each', sequential: 12.34567, random: 4.1, ratio: 12.34567 / 4.1 },
      { mode: 'read', blockBytes: 1024 * 1024, fsync: 'none', sequential: 1601, random: 800.5, ratio: 1601 / 800.5 },
    ]);
    expect(compareSeqRandom([])).toEqual([]);
  });

  it('chartReport: one line per mode, pattern and fsync, points at block size in KiB, drawn by lineChart and terminalChart', () => {
    const chart = chartReport(ROWS);
    expect(chart).toEqual({
      title: 'throughput vs block size',
      xLabel: 'block size (KiB)',
      yLabel: 'MB/s',
      logX: true,
      logY: true,
      series: [
        { name: 'write sequential fsync=each', points: [[4, 12.34567]] },
        { name: 'write random fsync=each', points: [[4, 4.1]] },
        { name: 'read random fsync=none', points: [[1024, 800.5]] },
        { name: 'read sequential fsync=none', points: [[1024, 1601], [1024, 9999]] },
        { name: 'write random fsync=none', points: [[64, 50]] },
      ],
    });
    const iops = chartReport([ROWS[5]!, row({ pattern: 'random', blockBytes: 4096, iops: 12 }), ROWS[1]!], 'iops');
    expect(iops.yLabel).toBe('IOPS');
    expect(iops.title).toBe('IOPS vs block size');
    expect(iops.series).toEqual([
      { name: 'write random fsync=none', points: [[4, 12], [64, 762.9]] },
      { name: 'write random fsync=each', points: [[4, 1004.6]] },
    ]);
    const svg = lineChart(chart);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const s of chart.series) expect(svg).toContain(s.name);
    expect(svg).toContain('MB/s');
    const text = terminalChart(chart, 40, 8);
    expect(text.split('\n')[0]).toBe('throughput vs block size');
    expect(text).toContain('write sequential fsync=each');
    expect(() => chartReport(ROWS, 'latency' as 'iops')).toThrow(BenchConfigError);
  });

  it('formatBytes writes sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(4096)).toBe('4 KiB');
    expect(formatBytes(64 * 1024)).toBe('64 KiB');
    expect(formatBytes(1024 * 1024)).toBe('1 MiB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GiB');
  });
});
