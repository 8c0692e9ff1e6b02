/**
 * Runs in every spec process. Fails a spec file whose code under test leaves servers, sockets or
 * ref'd timers running after its tests: a store or server that cannot be closed cleanly is a bug,
 * and it would otherwise keep the run from ending.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

const WATCHED = new Set(['TCPServerWrap', 'TCPSocketWrap', 'TCPWrap', 'Timeout', 'UDPWrap', 'PipeServerWrap', 'FSWatcher', 'StatWatcher']);

function census(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function leaked(before: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of census()) {
    const extra = n - (before.get(kind) ?? 0);
    if (extra > 0) out.push(`${extra} ${kind}`);
  }
  return out;
}

export class LeakedHandlesError extends Error {
  readonly code = 'LEAKED_HANDLES';
  constructor(what: string[]) {
    super(
      `left running after the tests: ${what.join(', ')}. ` +
        'Close servers and sockets and clear timers in close()/stop(), or unref() what must outlive a call.',
    );
    this.name = 'LeakedHandlesError';
  }
}

// Tell the grader, synchronously and before the body runs, which test is starting: vitest batches
// its own progress messages, and a test that blocks the event loop would never let them out.
const results = process.env.KATA_RESULTS;
interface NamedTask {
  name: string;
  suite?: NamedTask;
  filepath?: string;
}
function fullName(task: NamedTask): string {
  const parts = [task.name];
  for (let s = task.suite; s && s.filepath === undefined; s = s.suite) parts.unshift(s.name);
  return parts.join(' > ');
}
if (results) {
  beforeEach((ctx) => {
    appendFileSync(results, `${JSON.stringify({ type: 'start', name: fullName(ctx.task as NamedTask) })}\n`);
  });
  afterEach((ctx) => {
    appendFileSync(results, `${JSON.stringify({ type: 'finish', name: fullName(ctx.task as NamedTask) })}\n`);
  });
}

let baseline = new Map<string, number>();
const crashStates = () => (globalThis as { __kataCrashStates?: number }).__kataCrashStates ?? 0;
let crashBaseline = 0;
beforeAll(() => {
  baseline = census();
  crashBaseline = crashStates();
});
afterAll(async () => {
  // How much of the fault space this file explored (counted by SimFs): shown in vitest's output.
  const explored = crashStates() - crashBaseline;
  if (explored > 0) console.log(`simulated crash states checked in this file: ${explored}`);
  // Sockets and servers close asynchronously; give them a moment before counting.
  for (let i = 0; i < 20 && leaked(baseline).length; i++) await new Promise((r) => setTimeout(r, 25).unref());
  const what = leaked(baseline);
  if (what.length) throw new LeakedHandlesError(what);
});
