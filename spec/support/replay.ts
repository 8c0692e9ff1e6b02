/**
 * Reproducible failures: every seeded or property test that fails says which seed failed and the
 * one command that replays exactly that case against the same target.
 */
import path from 'node:path';
import { expect } from 'vitest';

/** The seed the grader was asked to replay (`--seed`), if any. */
export function replaySeed(): number | undefined {
  const raw = process.env.KATA_SEED;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`KATA_SEED must be an integer, got "${raw}"`);
  return n;
}

function shellQuote(s: string): string {
  return /^[\w./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `npm run grade -- <kata> --seed N --test '<name>'`, adjusted to the target under test. */
export function replayCommand(seed: number, extra: string[] = []): string {
  const state = expect.getState();
  const testPath = state.testPath ?? '';
  const parts = testPath.split(path.sep);
  const specAt = parts.lastIndexOf('spec');
  const slug = specAt >= 0 ? parts[specAt + 1] : '<kata>';
  const target = process.env.KATA_TARGET ?? 'stub';
  const head =
    target === 'solution'
      ? ['npm', 'run', 'solution', '--', slug]
      : target === 'mutant'
        ? ['npm', 'run', 'check', '--', slug, '--mutant', JSON.parse(process.env.KATA_MUTANT ?? '{}').name ?? '?']
        : ['npm', 'run', 'grade', '--', slug];
  const test = state.currentTestName ? ['--test', state.currentTestName] : [];
  return [...head, '--seed', String(seed), ...test, ...extra].map(shellQuote).join(' ');
}

/** Thrown in place of a seeded failure; keeps the original as `cause`. */
export class SeededFailure extends Error {
  readonly code = 'SEEDED_FAILURE';
  constructor(
    readonly seed: number,
    cause: unknown,
    readonly replay = replayCommand(seed),
  ) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(`${msg}\n\nseed: ${seed}\nreplay: ${replay}`, { cause });
    this.name = 'SeededFailure';
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  }
}
