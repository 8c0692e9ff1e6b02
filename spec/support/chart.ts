/**
 * Charts for experiments: an SVG a person can open (reports/<name>.svg) and a rough terminal
 * rendering to print beside the numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** Dashed line, e.g. for theory beside measurement. */
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

interface Scale {
  lo: number;
  hi: number;
  log: boolean;
}

function scaleOf(values: number[], log: boolean): Scale {
  const vs = log ? values.filter((v) => v > 0) : values;
  if (vs.length === 0) return { lo: log ? 1 : 0, hi: log ? 10 : 1, log };
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
  } else {
    if (lo > 0 && lo < hi * 0.5) lo = 0;
    if (lo === hi) hi = lo + 1;
  }
  return { lo, hi, log };
}

function unit(s: Scale, v: number): number {
  if (s.log) return (Math.log10(v) - Math.log10(s.lo)) / (Math.log10(s.hi) - Math.log10(s.lo));
  return (v - s.lo) / (s.hi - s.lo);
}

function ticks(s: Scale): number[] {
  if (s.log) {
    const out: number[] = [];
    for (let e = Math.log10(s.lo); e <= Math.log10(s.hi) + 1e-9; e++) out.push(10 ** e);
    return out;
  }
  const span = s.hi - s.lo;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((st) => span / st <= 8) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(s.lo / nice) * nice; v <= s.hi + nice * 1e-9; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

function label(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An SVG line chart with axes, ticks, grid and a legend. */
export function lineChart(o: ChartOptions): string {
  const W = 820;
  const H = 500;
  const m = { l: 80, r: 190, t: 50, b: 60 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs = scaleOf(o.series.flatMap((s) => s.points.map((p) => p[0])), !!o.logX);
  const ys = scaleOf(o.series.flatMap((s) => s.points.map((p) => p[1])), !!o.logY);
  const X = (v: number) => m.l + unit(xs, v) * pw;
  const Y = (v: number) => m.t + ph - unit(ys, v) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l + pw / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (const t of ticks(xs)) {
    out.push(`<line x1="${X(t)}" y1="${m.t}" x2="${X(t)}" y2="${m.t + ph}" stroke="#eee"/>`);
    out.push(`<text x="${X(t)}" y="${m.t + ph + 18}" text-anchor="middle">${label(t)}</text>`);
  }
  for (const t of ticks(ys)) {
    out.push(`<line x1="${m.l}" y1="${Y(t)}" x2="${m.l + pw}" y2="${Y(t)}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 8}" y="${Y(t) + 4}" text-anchor="end">${label(t)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 18}" text-anchor="middle">${esc(o.xLabel)}${o.logX ? ' (log)' : ''}</text>`);
  out.push(`<text transform="translate(20 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}${o.logY ? ' (log)' : ''}</text>`);
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => (!o.logX || x > 0) && (!o.logY || y > 0));
    const d = pts.map(([x, y], j) => `${j ? 'L' : 'M'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (!s.dashed) for (const [x, y] of pts) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = m.t + 10 + i * 20;
    out.push(`<line x1="${m.l + pw + 15}" y1="${ly}" x2="${m.l + pw + 45}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${m.l + pw + 52}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The workbook's reports/ folder (git-ignored). */
export function reportsDir(): string {
  return path.resolve(fileURLToPath(new URL('../../reports', import.meta.url)));
}

/** Writes reports/<name>.svg and returns its path. */
export function writeReport(name: string, svg: string): string {
  const dir = reportsDir();
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name.endsWith('.svg') ? name : `${name}.svg`);
  writeFileSync(file, svg);
  return file;
}

/** A rough text rendering: one marker letter per series on a character grid. */
export function terminalChart(o: ChartOptions, width = 64, height = 16): string {
  const xs = scaleOf(o.series.flatMap((s) => s.points.map((p) => p[0])), !!o.logX);
  const ys = scaleOf(o.series.flatMap((s) => s.points.map((p) => p[1])), !!o.logY);
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  const marks = 'ox+*#@%&';
  // Dashed (theory) series first, so measured points are drawn over them.
  const order = o.series.map((s, i) => [s, i] as const).sort((a, b) => Number(!!b[0].dashed) - Number(!!a[0].dashed));
  order.forEach(([s, i]) => {
    const ch = s.dashed ? '·' : marks[i % marks.length]!;
    for (const [x, y] of s.points) {
      if ((o.logX && x <= 0) || (o.logY && y <= 0)) continue;
      const c = Math.round(unit(xs, x) * (width - 1));
      const r = height - 1 - Math.round(unit(ys, y) * (height - 1));
      if (r >= 0 && r < height && c >= 0 && c < width) grid[r]![c] = ch;
    }
  });
  const yl = [label(ys.hi), label(ys.lo)];
  const pad = Math.max(...yl.map((s) => s.length));
  const lines = [o.title];
  grid.forEach((row, r) => {
    const lab = r === 0 ? yl[0]! : r === height - 1 ? yl[1]! : '';
    lines.push(`${lab.padStart(pad)} |${row.join('')}`);
  });
  lines.push(`${' '.repeat(pad)} +${'-'.repeat(width)}`);
  lines.push(`${' '.repeat(pad)}  ${label(xs.lo)}${' '.repeat(Math.max(1, width - label(xs.lo).length - label(xs.hi).length))}${label(xs.hi)}`);
  lines.push(`${' '.repeat(pad)}  x: ${o.xLabel}${o.logX ? ' (log)' : ''}; y: ${o.yLabel}${o.logY ? ' (log)' : ''}`);
  lines.push(o.series.map((s, i) => `${s.dashed ? '·' : marks[i % marks.length]} ${s.name}`).join('   '));
  return lines.join('\n');
}
