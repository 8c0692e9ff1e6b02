/**
 * The dashboard: a pure function from a snapshot to the text of one screen. It never writes to the
 * terminal itself; a loop that clears the screen and prints it every few hundred ms makes it live.
 *
 *   task-scheduler  2030-01-01 00:00:00Z  running 1/2  jobs 3  failed 0
 *   ID       KIND STATE     NEXT      TRY  RUNS LAST
 *   backup   cron running  -         1/3     4 backup@2030-01-01T00:00:00.000Z
 *   ...
 *   … 4 more
 *
 * Every line fits `width` columns (cut with "…"), at most `height` lines, no trailing newline:
 * printed after "clear screen", it never scrolls or wraps. Colours are SGR escapes around the
 * STATE cell only, and do not count towards the width.
 */
import type { JobState, JobStatus, SchedulerSnapshot } from './types.ts';

export interface DashboardOptions {
  /** Terminal columns (>= 20). */
  width: number;
  /** Terminal rows (>= 3). */
  height: number;
  /** Colour the state cells with ANSI escapes (default false). */
  color?: boolean;
}

export const MIN_WIDTH = 20;
export const MIN_HEIGHT = 3;

const COLORS: Record<JobStatus, string> = {
  running: '\x1b[33m', // yellow
  retrying: '\x1b[35m', // magenta
  scheduled: '\x1b[36m', // cyan
  done: '\x1b[32m', // green
  failed: '\x1b[31m', // red
  cancelled: '\x1b[2m', // dim
};
const RESET = '\x1b[0m';

/** Display order: what needs attention first. */
const ORDER: Record<JobStatus, number> = { running: 0, retrying: 1, scheduled: 2, failed: 3, done: 4, cancelled: 5 };

/** Renders one screen. Throws RangeError for a terminal too small to show anything useful. */
export function renderDashboard(snapshot: SchedulerSnapshot, options: DashboardOptions): string {
  const { width, height, color = false } = options;
  if (!Number.isInteger(width) || width < MIN_WIDTH) throw new RangeError(`renderDashboard: width must be an integer >= ${MIN_WIDTH}, not ${width}`);
  if (!Number.isInteger(height) || height < MIN_HEIGHT) throw new RangeError(`renderDashboard: height must be an integer >= ${MIN_HEIGHT}, not ${height}`);

  const jobs = [...snapshot.jobs].sort(
    (a, b) => ORDER[a.status] - ORDER[b.status] || (a.nextAt ?? Infinity) - (b.nextAt ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const failed = jobs.filter((j) => j.status === 'failed').length;
  const header = `task-scheduler  ${clock(snapshot.now)}  running ${snapshot.running}/${snapshot.concurrency}  jobs ${jobs.length}  failed ${failed}`;

  const idWidth = Math.min(24, Math.max(2, ...jobs.map((j) => j.id.length)));
  const cells = (id: string, kind: string, state: string, next: string, tries: string, runs: string, last: string) =>
    [pad(cut(id, idWidth), idWidth), pad(kind, 4), state, pad(next, 8), pad(tries, 5), padLeft(runs, 4), last];

  const lines: string[] = [fit(header, width), fit(cells('ID', 'KIND', pad('STATE', 9), 'NEXT', 'TRY', 'RUNS', 'LAST').join(' '), width)];

  const room = height - lines.length;
  const shown = jobs.length <= room ? jobs.length : Math.max(0, room - 1);
  for (const job of jobs.slice(0, shown)) {
    const state = pad(job.status, 9);
    const plain = cells(job.id, job.kind, state, job.nextAt === null ? '-' : time(job.nextAt), tries(job), String(job.runs), last(job));
    const line = fit(plain.join(' '), width);
    // Colour the state cell after fitting, so escapes never count as columns or get cut in half.
    const at = plain.slice(0, 2).join(' ').length + 1;
    lines.push(color && line.length > at ? line.slice(0, at) + COLORS[job.status] + line.slice(at, at + 9) + RESET + line.slice(at + 9) : line);
  }
  if (shown < jobs.length) lines.push(fit(`… ${jobs.length - shown} more`, width));
  return lines.join('\n');
}

function tries(job: JobState): string {
  return job.attempt === 0 ? '-' : `${job.attempt}/${job.retry.attempts}`;
}

function last(job: JobState): string {
  if (job.lastError !== null) return `error: ${job.lastError.replace(/\s+/g, ' ')}`;
  return job.lastRunId ?? '-';
}

/** `2030-01-01 00:00:00Z` */
function clock(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** `00:05:00` (UTC time of day) */
function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** Cut to `n` columns, marking the cut with "…". Control characters are shown as "?". */
function cut(s: string, n: number): string {
  const clean = s.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length <= n ? clean : `${clean.slice(0, n - 1)}…`;
}

function fit(s: string, width: number): string {
  return cut(s, width).trimEnd();
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function padLeft(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}
