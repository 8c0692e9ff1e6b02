/**
 * Stage 5: the dashboard. renderDashboard is a pure function, checked exactly and by property;
 * then the live CLI (dashboard-cli.ts) runs in a real terminal, tmux, which is read back with
 * `capture-pane` at 100x30 and again after the window shrinks to 60x6.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { renderDashboard, type JobState, type SchedulerSnapshot } from '#kata/task-scheduler';
import { nodeArgs } from '#support/child';
import { checkProperty, fc } from '#support/property';
import { MIN, T0, runId, stripAnsi } from './helpers.ts';

const run = promisify(execFile);

function job(p: Partial<JobState> & { id: string }): JobState {
  return {
    handler: 'work',
    kind: 'once',
    retry: { attempts: 1, baseMs: 1000, maxMs: 60_000, jitter: 'full' },
    status: 'scheduled',
    nextAt: null,
    due: null,
    attempt: 0,
    failures: 0,
    runs: 0,
    failedRuns: 0,
    lastRunId: null,
    lastError: null,
    lastFinishedAt: null,
    ...p,
  };
}

const fixture: SchedulerSnapshot = {
  now: T0 + 5 * MIN + 7000,
  concurrency: 2,
  running: 1,
  jobs: [
    job({ id: 'backup', status: 'done', runs: 1, lastRunId: runId('backup', T0), at: T0 }),
    job({ id: 'report', kind: 'cron', cron: '*/10 * * * *', status: 'scheduled', nextAt: T0 + 10 * MIN, due: T0 + 10 * MIN, runs: 3 }),
    job({ id: 'export', status: 'running', attempt: 1, retry: { attempts: 3, baseMs: 1000, maxMs: 60_000, jitter: 'full' }, lastRunId: runId('export', T0 + 5 * MIN) }),
    job({ id: 'mailer', status: 'retrying', attempt: 2, failures: 2, nextAt: T0 + 6 * MIN, retry: { attempts: 5, baseMs: 1000, maxMs: 60_000, jitter: 'full' }, lastError: 'SMTP 451\ntry later' }),
    job({ id: 'purge', status: 'failed', failedRuns: 1, lastError: 'disk full' }),
    job({ id: 'old', status: 'cancelled' }),
  ],
};

describe('stage 5: the dashboard', () => {
  it('renders a header, the columns and one row per job, most urgent first', () => {
    expect(renderDashboard(fixture, { width: 100, height: 20 }).split('\n')).toEqual([
      'task-scheduler  2030-01-01 00:05:07Z  running 1/2  jobs 6  failed 1',
      'ID     KIND STATE     NEXT     TRY   RUNS LAST',
      'export once running   -        1/3      0 export@2030-01-01T00:05:00.000Z',
      'mailer once retrying  00:06:00 2/5      0 error: SMTP 451 try later',
      'report cron scheduled 00:10:00 -        3 -',
      'purge  once failed    -        -        0 error: disk full',
      'backup once done      -        -        1 backup@2030-01-01T00:00:00.000Z',
      'old    once cancelled -        -        0 -',
    ]);
  });

  it('cuts long lines with "…" at the width and summarises rows that do not fit', () => {
    const out = renderDashboard(fixture, { width: 40, height: 5 }).split('\n');
    expect(out).toEqual([
      'task-scheduler  2030-01-01 00:05:07Z  r…',
      'ID     KIND STATE     NEXT     TRY   RU…', // 39 columns of text and the "…"
      'export once running   -        1/3     …',
      'mailer once retrying  00:06:00 2/5     …',
      '… 4 more',
    ]);
  });

  it('colours only the state cell; without the escapes the text is the same', () => {
    const plain = renderDashboard(fixture, { width: 100, height: 20 });
    const colored = renderDashboard(fixture, { width: 100, height: 20, color: true });
    expect(colored).not.toBe(plain);
    expect(stripAnsi(colored)).toBe(plain);
    const row = colored.split('\n').find((l) => l.startsWith('purge'))!;
    expect(row).toMatch(/^purge {2}once \x1b\[31mfailed {3}\x1b\[0m -/);
    expect(colored.split('\n').find((l) => l.startsWith('backup'))).toContain('\x1b[32mdone');
  });

  it('a terminal too small to show anything is a RangeError', () => {
    expect(() => renderDashboard(fixture, { width: 19, height: 10 })).toThrow(RangeError);
    expect(() => renderDashboard(fixture, { width: 80, height: 2 })).toThrow(RangeError);
    expect(() => renderDashboard(fixture, { width: 80.5, height: 10 })).toThrow(RangeError);
  });

  it('every frame fits its terminal and accounts for every job (property)', async () => {
    const arbJob = fc.record({
      id: fc.string({ minLength: 1, maxLength: 40 }),
      status: fc.constantFrom('scheduled', 'running', 'retrying', 'done', 'failed', 'cancelled' as const),
      nextAt: fc.option(fc.integer({ min: T0, max: T0 + 10 ** 9 }), { nil: null }),
      lastError: fc.option(fc.string({ maxLength: 80 }), { nil: null }),
      runs: fc.nat(100_000),
    });
    await checkProperty(
      fc.property(fc.uniqueArray(arbJob, { selector: (j) => j.id, maxLength: 30 }), fc.integer({ min: 20, max: 200 }), fc.integer({ min: 3, max: 60 }), fc.boolean(), (specs, width, height, color) => {
        const snapshot: SchedulerSnapshot = { now: T0, concurrency: 4, running: 0, jobs: specs.map((s) => job(s)) };
        const lines = renderDashboard(snapshot, { width, height, color }).split('\n').map(stripAnsi);
        expect(lines.length).toBeLessThanOrEqual(height);
        for (const l of lines) {
          expect(l.length).toBeLessThanOrEqual(width);
          expect(l).not.toMatch(/[\x00-\x1f\x7f]/); // nothing that moves the cursor or breaks the frame
        }
        const rows = lines.length - 2;
        const more = /^… (\d+) more$/.exec(lines.at(-1) ?? '');
        if (specs.length + 2 <= height) {
          expect(more).toBeNull();
          expect(rows).toBe(specs.length);
        } else {
          expect(more, lines.join('\n')).not.toBeNull();
          expect(rows - 1 + Number(more![1])).toBe(specs.length);
        }
      }),
      { numRuns: 150 },
    );
  });

  describe('in a real terminal (tmux)', () => {
    const tmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
    const haveTmux = tmux.status === 0;
    const socket = `kata-sched-${process.pid}-${Date.now()}`;
    let started = false;

    beforeEach((ctx) => {
      if (haveTmux) return;
      if (process.env.CI) throw new Error('tmux is not installed, and CI must not skip the dashboard test: install tmux (apt-get install tmux)');
      ctx.skip('tmux not found: install tmux to run the dashboard in a real terminal');
    });

    afterAll(async () => {
      if (started) await run('tmux', ['-L', socket, 'kill-server']).catch(() => undefined);
    });

    const tm = (...args: string[]) => run('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).then((r) => r.stdout);
    const screen = async (escapes = false) => (await tm('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'dash')).replace(/\n+$/, '').split('\n');

    async function until(what: string, cond: (lines: string[]) => boolean): Promise<string[]> {
      const deadline = Date.now() + 8000;
      let last: string[] = [];
      while (Date.now() < deadline) {
        last = await screen();
        if (cond(last)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the terminal never showed ${what}; last screen:\n${last.join('\n')}`);
    }

    it('the live dashboard draws a correct frame at 100x30, and redraws to fit after a resize to 60x6', async () => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'TMUX' && k !== 'TMUX_PANE') env[k] = v;
      const pass = Object.entries(env)
        .filter(([k]) => k.startsWith('KATA_') || k === 'TMPDIR')
        .flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      await run('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'dash', '-x', '100', '-y', '30', ...pass, process.execPath, ...nodeArgs(new URL('./dashboard-cli.ts', import.meta.url))], {
        env: { ...env, LANG: 'C.UTF-8' },
      });
      started = true;

      const find = (lines: string[], id: string) => lines.find((l) => l.startsWith(`${id} `));
      const lines = await until('every job in its final state', (l) =>
        /\bdone\b/.test(find(l, 'send-digest') ?? '') && /\bfailed\b/.test(find(l, 'purge-cache') ?? '') && /\brunning\b/.test(find(l, 'long-export') ?? ''),
      );
      expect(lines[0]).toMatch(/^task-scheduler {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}running 1\/2 {2}jobs 6 {2}failed 1$/);
      expect(lines[1]).toMatch(/^ID +KIND STATE +NEXT +TRY +RUNS LAST$/);
      expect(find(lines, 'long-export')).toMatch(/^long-export +once running +\d\d:\d\d:\d\d 1\/1 +0 long-export@/);
      expect(find(lines, 'send-digest')).toMatch(/^send-digest +once done +- +- +1 send-digest@/);
      expect(find(lines, 'purge-cache')).toMatch(/^purge-cache +once failed +- +- +0 error: disk full$/);
      expect(find(lines, 'hourly-report')).toMatch(/^hourly-report +cron scheduled \d\d:00:00 - +0 -$/);
      expect(lines.find((l) => l.startsWith('nightly-'))).toMatch(/^nightly-rebuild-of-the-… cron scheduled 00:00:00/);
      expect(lines).toHaveLength(8); // 2 header lines + 6 jobs, nothing below
      for (const l of lines) {
        expect(l.length).toBeLessThanOrEqual(100);
        expect(l).not.toMatch(/\x1b|\[\d+m/); // no escape shown as text
      }
      const colored = (await screen(true)).join('\n');
      expect(colored).toMatch(/\x1b\[31mfailed/); // red
      expect(colored).toMatch(/\x1b\[32mdone/); // green
      expect(colored).toMatch(/\x1b\[33mrunning/); // yellow

      await tm('resize-window', '-t', 'dash', '-x', '60', '-y', '6');
      const small = await until('a frame that fits 60x6', (l) => l.length === 6 && /^… \d+ more$/.test(l[5] ?? ''));
      expect(small[5]).toBe('… 3 more');
      expect(small[0]).toMatch(/^task-scheduler {2}.*…$/);
      for (const l of small) expect(l.length).toBeLessThanOrEqual(60);
      expect(small.slice(2, 5).map((l) => l.split(' ')[0])).toEqual(['long-export', 'hourly-report', 'nightly-rebuild-of-the-…']);
    }, 20_000);
  });
});
