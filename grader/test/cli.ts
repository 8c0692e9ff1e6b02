/** Runs the grader CLI as a learner would, for the grader's own tests. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOME = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FIXTURE = path.join(HOME, 'grader', 'test', 'fixtures', 'workbook');

export function cli(args: string[], opts: { workbook?: string; timeoutMs?: number } = {}) {
  const wb = opts.workbook === undefined ? ['--workbook', FIXTURE] : opts.workbook ? ['--workbook', opts.workbook] : [];
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(HOME, 'grader', 'cli.ts'), ...args, ...wb], {
    cwd: HOME,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '' },
    timeout: opts.timeoutMs ?? 240_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}
