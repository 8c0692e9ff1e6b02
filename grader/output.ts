/** Terminal output: colours only on a TTY without NO_COLOR; tables and progress bars. */
import { Chalk } from 'chalk';

const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
export const c = new Chalk({ level: colour ? 2 : 0 });
export const SYMBOLS = colour ? { pass: '✔', fail: '✘', skip: '○', hang: '⧗', dot: '·' } : { pass: 'ok', fail: 'FAIL', skip: 'skip', hang: 'HUNG', dot: '-' };

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
export const visibleLength = (s: string) => s.replace(ANSI, '').length;

export function padEnd(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - visibleLength(s)));
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((cell, i) => padEnd(cell, widths[i]!)).join('  ').trimEnd();
  return [c.bold(line(headers)), c.dim(widths.map((w) => '─'.repeat(w)).join('  ')), ...rows.map(line)].join('\n');
}

export function bar(done: number, total: number, width = 30): string {
  const frac = total === 0 ? 0 : done / total;
  const full = Math.round(frac * width);
  const fill = colour ? '█' : '#';
  const empty = colour ? '░' : '.';
  return `${c.green(fill.repeat(full))}${c.dim(empty.repeat(width - full))} ${Math.round(frac * 100)}%`;
}

export function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');
}
