/** From a run's outcomes to what a learner wants to know: stage reached, counts, status. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { KataDef } from './define.ts';
import { GRADER_HOME, type RunResult, type TestOutcome } from './runner.ts';
import { targetEnv } from './target.ts';

export interface KataSummary {
  passed: number;
  total: number;
  /** Highest N such that every test of stages 1..N passes. */
  stage: number;
  done: boolean;
  status: string;
  /** Why the kata is not simply red or green (hang, leak, missing service...). */
  reason?: string;
}

export function stageReached(kata: KataDef, tests: TestOutcome[]): number {
  let reached = 0;
  for (let n = 1; n <= kata.stages.length; n++) {
    const inStage = tests.filter((t) => t.stage === n);
    if (inStage.length === 0 || inStage.some((t) => t.state !== 'passed')) break;
    reached = n;
  }
  return reached;
}

export function summarize(kata: KataDef, run: RunResult): KataSummary {
  const total = run.tests.length;
  const passed = run.tests.filter((t) => t.state === 'passed').length;
  const stage = stageReached(kata, run.tests);
  const hung = run.tests.filter((t) => t.state === 'hung');
  const skipped = run.tests.filter((t) => t.state === 'skipped' && t.note);
  const done = total > 0 && passed === total && run.problems.length === 0;
  let status: string;
  let reason: string | undefined;
  if (done) status = 'done';
  else if (run.problems.length) {
    status = 'broken';
    reason = run.problems[0];
  } else if (hung.length) {
    status = 'hangs';
    reason = `${hung.length} test${hung.length > 1 ? 's' : ''} never finished: ${hung[0]!.name}`;
  } else if (skipped.length && passed + skipped.length === total) {
    status = 'skipped';
    reason = skipped[0]!.note;
  } else if (passed === 0) status = 'not started';
  else status = 'in progress';
  if (!reason && skipped.length) reason = skipped[0]!.note;
  return { passed, total, stage, done, status, reason };
}

/** The spec's test names (from the solution), for when the learner's code keeps it from loading. */
export function listTests(root: string, slug: string): string[] {
  const r = spawnSync(
    process.execPath,
    [path.join(GRADER_HOME, 'node_modules', 'vitest', 'vitest.mjs'), 'list', '--json', '--config', path.join(GRADER_HOME, 'vitest.config.ts'), `spec/${slug}/`],
    { cwd: root, env: { ...process.env, ...targetEnv(root, 'solution'), KATA_RESULTS: '' }, encoding: 'utf8', timeout: 60_000 },
  );
  try {
    const start = r.stdout.indexOf('[');
    return (JSON.parse(r.stdout.slice(start)) as Array<{ name: string }>).map((t) => t.name);
  } catch {
    return [];
  }
}

/** Pulls `seed: N` and `replay: ...` lines out of a failure message. */
export function replayOf(message: string): { seed?: string; replay?: string } {
  return {
    seed: /^seed: (-?\d+)$/m.exec(message)?.[1],
    replay: /^replay: (.+)$/m.exec(message)?.[1],
  };
}
