import { describe, expect, it } from 'vitest';
import { parseArgs } from '../args.ts';
import { distance, suggest } from '../catalog.ts';
import { UsageError } from '../errors.ts';
import { applyMutant, resolveKataImport } from '../target.ts';
import { stageOf } from '../runner.ts';
import { hintLevels } from '../commands/hint.ts';
import { FIXTURE } from './cli.ts';

describe('arguments', () => {
  it('parses flags with values in both spellings', () => {
    expect(parseArgs(['grade', 'wal', '--seed', '42', '--test=torn tail'])).toEqual({ command: 'grade', args: ['wal'], flags: { seed: '42', test: 'torn tail' } });
  });
  it('rejects unknown commands, unknown flags, missing values and extra arguments', () => {
    expect(() => parseArgs(['gradee'])).toThrow(UsageError);
    expect(() => parseArgs(['grade', '--nope'])).toThrow(/unknown flag --nope/);
    expect(() => parseArgs(['grade', '--seed'])).toThrow(/--seed needs a value/);
    expect(() => parseArgs(['grade', 'a', 'b'])).toThrow(/expected \[kata\]/);
    expect(() => parseArgs(['grade', '--seed', 'x'])).toThrow(/integer/);
  });
});

describe('did-you-mean', () => {
  it('suggests close slugs only', () => {
    expect(distance('bitcask', 'bitcsak')).toBe(2);
    expect(suggest('bloom', ['bloom-filter', 'wal'])).toEqual(['bloom-filter']);
    expect(suggest('zzzzzz', ['bloom-filter', 'wal'])).toEqual([]);
  });
});

describe('targets', () => {
  const base = { workbook: FIXTURE };
  it('resolves #kata/<slug> to the stub or the solution', () => {
    expect(resolveKataImport('#kata/honest', { ...base, kind: 'stub' })).toBe(`${FIXTURE}/katas/honest/index.ts`);
    expect(resolveKataImport('#kata/honest', { ...base, kind: 'solution' })).toBe(`${FIXTURE}/solutions/honest/index.ts`);
    expect(resolveKataImport('node:fs', { ...base, kind: 'stub' })).toBeUndefined();
    expect(() => resolveKataImport('#kata/nope', { ...base, kind: 'stub' })).toThrow(/does not resolve/);
  });
  it('applies a mutant only to its file, and only when its text occurs exactly once', () => {
    const mutant = { slug: 'x', name: 'm', file: '/a.ts', find: 'a + b', replace: 'a - b' };
    const t = { ...base, kind: 'mutant' as const, mutant };
    expect(applyMutant('/a.ts', 'return a + b;', t)).toBe('return a - b;');
    expect(applyMutant('/b.ts', 'return a + b;', t)).toBe('return a + b;');
    expect(() => applyMutant('/a.ts', 'a + b; a + b', t)).toThrow(/exactly once/);
    expect(applyMutant('/a.ts', 'return a + b;', { ...base, kind: 'solution' })).toBe('return a + b;');
  });
});

describe('stages and hints', () => {
  it('reads the stage from the top-level describe', () => {
    expect(stageOf('stage 3: torn tails > cuts garbage')).toBe(3);
    expect(stageOf('misc > x')).toBeNull();
  });
  it('splits HINTS.md into levels', () => {
    expect(hintLevels('# Hints\n\n## Hint 1\n\none\n\n## Hint 2: approach\n\ntwo\n')).toEqual(['one', 'two']);
  });
});

describe('the workbook itself', () => {
  it('names every kata of the manifest in the README, under its track', async () => {
    const { readFileSync } = await import('node:fs');
    const { default: manifest } = await import('../../manifest.ts');
    const { TRACK_TITLES } = await import('../define.ts');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const kata of manifest) {
      const row = readme.split('\n').find((line) => line.startsWith(`| ${TRACK_TITLES[kata.track]} |`));
      expect(row, `README has no row for the track ${kata.track}`).toBeDefined();
      expect(row, `README's ${kata.track} row does not name ${kata.slug}`).toContain(`\`${kata.slug}\``);
    }
  });
});
