/** `npm run solution <kata>`: the spec against the reference, beside the learner's result. */
import { spawnSync } from 'node:child_process';
import { findKata, kataPaths, type Catalog } from '../catalog.ts';
import { c, SYMBOLS, table } from '../output.ts';
import { runSpec, type TestState } from '../runner.ts';
import { summarize } from '../summary.ts';
import type { Parsed } from '../args.ts';
import { gradeKata, gradeOptions } from './grade.ts';

function mark(state: TestState | undefined): string {
  switch (state) {
    case 'passed':
      return c.green(SYMBOLS.pass);
    case 'skipped':
      return c.cyan(SYMBOLS.skip);
    case 'hung':
      return c.red(SYMBOLS.hang);
    case undefined:
    case 'not-run':
      return c.dim(SYMBOLS.dot);
    default:
      return c.red(SYMBOLS.fail);
  }
}

export async function solution(catalog: Catalog, slug: string, flags: Parsed['flags']): Promise<number> {
  const kata = findKata(catalog, slug);
  const opts = gradeOptions(flags);
  const [ref, mine] = await Promise.all([
    runSpec({ root: catalog.root, kata, target: { kind: 'solution' }, ...opts }),
    gradeKata(catalog, kata, opts),
  ]);
  const yours = new Map(mine.tests.map((t) => [t.name, t.state]));
  const rows = ref.tests.map((t) => [t.stage === null ? '-' : String(t.stage), t.name.split(' > ').slice(1).join(' > ') || t.name, mark(yours.get(t.name)), mark(t.state)]);
  console.log(`\n${c.bold(kata.title)} ${c.dim(`(${kata.slug})`)}\n`);
  console.log(table(['stage', 'test', 'yours', 'reference'], rows));
  const s = summarize(kata, ref);
  const m = summarize(kata, mine);
  console.log(`\nreference: ${s.passed}/${s.total} tests, stage ${s.stage}/${kata.stages.length}    yours: ${m.passed}/${m.total}, stage ${m.stage}`);
  for (const p of ref.problems) console.log(c.red(`reference run: ${p}`));
  if (flags.diff) {
    const p = kataPaths(catalog, kata.slug);
    console.log(c.bold(`\nYour files (katas/${kata.slug}) against the reference (solutions/${kata.slug}):\n`));
    const r = spawnSync('git', ['diff', '--no-index', process.stdout.isTTY && !process.env.NO_COLOR ? '--color' : '--no-color', '--', p.stubDir, p.solutionDir], { encoding: 'utf8' });
    if (r.error) console.log(c.red('`git` is needed for --diff.'));
    else console.log(r.stdout || c.dim('(no differences)'));
  } else console.log(c.dim(`\nSee the code side by side: npm run solution -- ${kata.slug} --diff`));
  return 0;
}
