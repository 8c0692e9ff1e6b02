/** `npm run reset <kata>`: restores the stub from git after backing up the learner's files. */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { findKata, kataPaths, type Catalog } from '../catalog.ts';
import { GraderError } from '../errors.ts';
import { c } from '../output.ts';
import { updateProgress } from '../progress.ts';

function git(root: string, args: string[]) {
  return spawnSync('git', args, { cwd: root, encoding: 'utf8' });
}

export function reset(catalog: Catalog, slug: string, ref?: string): number {
  const kata = findKata(catalog, slug);
  const dir = kataPaths(catalog, kata.slug).stubDir;
  const rel = path.relative(catalog.root, dir);
  if (git(catalog.root, ['rev-parse', '--is-inside-work-tree']).status !== 0) {
    throw new GraderError('NO_GIT', `reset needs the workbook to be a git checkout; restore ${rel} from a fresh copy of the workbook instead.`);
  }
  // Default: where this checkout left the upstream (the stubs as published), else HEAD.
  let from = ref;
  if (!from) {
    const base = git(catalog.root, ['merge-base', 'HEAD', '@{upstream}']);
    from = base.status === 0 ? base.stdout.trim() : 'HEAD';
  }
  if (git(catalog.root, ['cat-file', '-e', `${from}:${rel}`]).status !== 0) {
    throw new GraderError('NO_STUB_AT_REF', `${rel} does not exist at ${from}; pass --ref <revision> that has it.`);
  }
  const backup = path.join(catalog.root, '.workbook', 'backups', `${kata.slug}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (existsSync(dir)) {
    mkdirSync(path.dirname(backup), { recursive: true });
    cpSync(dir, backup, { recursive: true });
  }
  const restore = git(catalog.root, ['checkout', from, '--', rel]);
  if (restore.status !== 0) throw new GraderError('RESET_FAILED', `git could not restore ${rel}: ${restore.stderr.trim()}`);
  // Files the learner added are not in the stub: move them aside too (they are in the backup).
  const clean = git(catalog.root, ['clean', '-fdq', '--', rel]);
  if (clean.status !== 0) console.log(c.yellow(`left untracked files in ${rel}: ${clean.stderr.trim()}`));
  updateProgress(catalog.root, kata.slug, { passed: 0, stage: 0, done: false });
  console.log(`${c.green('Reset')} ${rel} to ${from === 'HEAD' ? 'the last commit' : from.slice(0, 12)}.`);
  if (existsSync(backup)) console.log(c.dim(`Your previous files are in ${path.relative(catalog.root, backup)}`));
  return 0;
}
