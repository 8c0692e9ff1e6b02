/**
 * Child workload for the SIGKILL test: opens the schedule the parent wrote in <dir> on the real
 * disk and runs it on a clock 3000 times faster than real time (a minute in 20 ms), until killed.
 * The handler logs `begin <runId> <pid>` and `end <runId> <pid>` to <sink>; each run is
 * acknowledged (`ack <runId>`) only from the 'done' event, which comes after the outcome is durable.
 *   argv: <dir> <sink> <virtualStart ms>
 */
import { appendFileSync } from 'node:fs';
import { createScheduler } from '#kata/task-scheduler';
import { ack, ready } from '#support/sigkill';
import { fastClock } from './helpers.ts';

const [dir, sink, virtualStart] = process.argv.slice(2);
if (!dir || !sink || !virtualStart) throw new Error('usage: kill-child.ts <dir> <sink> <virtualStart>');

ready();
const clock = fastClock(Number(virtualStart), Date.now(), 3000);
const sched = await createScheduler({
  dir,
  clock,
  concurrency: 3,
  onEvent: (e) => {
    if (e.type === 'done') ack(e.runId);
  },
});
sched.register('work', async (ctx) => {
  appendFileSync(sink, `begin ${ctx.runId} ${process.pid}\n`);
  await new Promise((r) => setTimeout(r, 1 + (ctx.runId.length % 4)));
  appendFileSync(sink, `end ${ctx.runId} ${process.pid}\n`);
});
sched.start();
