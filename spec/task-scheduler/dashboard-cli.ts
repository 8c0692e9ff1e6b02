/**
 * A live dashboard for the tmux test (and to look at: `npx tsx spec/task-scheduler/dashboard-cli.ts`
 * runs it against your stub). An in-memory scheduler with a few jobs on the real clock; the screen
 * is cleared and redrawn every 50 ms and on every resize, sized to the terminal.
 */
import { createScheduler, renderDashboard } from '#kata/task-scheduler';

const sched = await createScheduler({ concurrency: 2, random: () => 0 });
sched.register('ok', () => undefined);
sched.register('flaky', (ctx) => {
  if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} timed out`);
});
sched.register('forever', () => new Promise(() => undefined)); // stays running
sched.register('broken', () => {
  throw new Error('disk full');
});
const now = Date.now();
await sched.schedule({ id: 'backup-db', handler: 'ok', at: now });
await sched.schedule({ id: 'long-export', handler: 'forever', at: now });
await sched.schedule({ id: 'purge-cache', handler: 'broken', at: now });
await sched.schedule({ id: 'send-digest', handler: 'flaky', at: now, retry: { attempts: 3, baseMs: 40, jitter: 'none' } });
await sched.schedule({ id: 'hourly-report', handler: 'ok', cron: '0 * * * *' });
await sched.schedule({ id: 'nightly-rebuild-of-the-search-index', handler: 'ok', cron: '@daily' });
sched.start();

function draw(): void {
  const width = process.stdout.columns || 80;
  const height = process.stdout.rows || 24;
  // home, clear the screen, draw: the frame has no trailing newline, so the screen never scrolls
  process.stdout.write(`\x1b[?25l\x1b[H\x1b[2J${renderDashboard(sched.snapshot(), { width, height, color: true })}`);
}
draw();
setInterval(draw, 50);
process.stdout.on('resize', draw);
for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
