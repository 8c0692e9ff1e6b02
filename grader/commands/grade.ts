/** `npm run grade [kata]`: the learner's katas against their specs. */
import { watch } from 'node:fs';
import path from 'node:path';
import { TRACK_TITLES, type KataDef } from '../define.ts';
import { findKata, kataPaths, type Catalog } from '../catalog.ts';
import { bar, c, indent, SYMBOLS, table } from '../output.ts';
import { loadProgress, saveProgress } from '../progress.ts';
import { PARALLEL_RUNS, pool, runSpec, stageOf, type RunResult, type TestOutcome } from '../runner.ts';
import { listTests, replayOf, summarize, type KataSummary } from '../summary.ts';
import type { Parsed } from '../args.ts';

export interface GradeOptions {
  seed?: string;
  fcPath?: string;
  testFilter?: string;
}

export function gradeOptions(flags: Parsed['flags']): GradeOptions {
  return {
    seed: typeof flags.seed === 'string' ? flags.seed : undefined,
    fcPath: typeof flags.path === 'string' ? flags.path : undefined,
    testFilter: typeof flags.test === 'string' ? flags.test : undefined,
  };
}

/** Runs the learner's code; if the spec cannot even load, counts the reference's tests as failed. */
export async function gradeKata(catalog: Catalog, kata: KataDef, opts: GradeOptions = {}): Promise<RunResult> {
  const run = await runSpec({ root: catalog.root, kata, target: { kind: 'stub' }, ...opts });
  if (run.tests.length === 0 && run.problems.length) {
    const expected = listTests(catalog.root, kata.slug).filter((n) => !opts.testFilter || n.includes(opts.testFilter));
    if (expected.length) return { ...run, tests: expected.map((name) => ({ name, file: '', stage: stageOf(name), state: 'failed' as const, errors: [{ message: run.problems[0]! }], ms: 0 })) };
  }
  return run;
}

function record(catalog: Catalog, results: Array<{ kata: KataDef; summary: KataSummary }>): void {
  const progress = loadProgress(catalog.root);
  for (const { kata, summary } of results) {
    progress[kata.slug] = { ...progress[kata.slug], passed: summary.passed, total: summary.total, stage: summary.stage, done: summary.done, gradedAt: new Date().toISOString() };
  }
  saveProgress(catalog.root, progress);
}

function statusText(s: KataSummary): string {
  switch (s.status) {
    case 'done':
      return c.green('done');
    case 'not started':
      return c.dim('not started');
    case 'in progress':
      return c.yellow('in progress');
    case 'skipped':
      return c.cyan('skipped');
    default:
      return c.red(s.status);
  }
}

export function jsonTests(run: RunResult) {
  return run.tests.map((t) => ({
    name: t.name,
    stage: t.stage,
    stub: t.state === 'passed' ? ('pass' as const) : ('fail' as const),
    ...(t.state !== 'passed' && t.state !== 'failed' ? { state: t.state } : {}),
    ...(t.note ? { note: t.note } : {}),
  }));
}

export async function gradeAll(catalog: Catalog, flags: Parsed['flags']): Promise<number> {
  const opts = gradeOptions(flags);
  if (!flags.json) console.log(c.dim(`Grading ${catalog.katas.length} katas against your code in katas/ ...`));
  const runs = await pool(catalog.katas, PARALLEL_RUNS, (kata) => gradeKata(catalog, kata, opts));
  const results = catalog.katas.map((kata, i) => ({ kata, run: runs[i]!, summary: summarize(kata, runs[i]!) }));
  record(catalog, results);
  const anyFailed = results.some((r) => !r.summary.done);

  if (flags.json) {
    console.log(
      JSON.stringify({
        katas: results.map(({ kata, run, summary }) => ({
          slug: kata.slug,
          stage: summary.stage,
          passed: summary.passed,
          total: summary.total,
          status: summary.status,
          ...(summary.reason ? { reason: summary.reason } : {}),
          tests: jsonTests(run),
          problems: run.problems,
        })),
      }),
    );
    return flags.strict && anyFailed ? 1 : 0;
  }

  const rows = results.map(({ kata, summary }) => [
    c.dim(TRACK_TITLES[kata.track]),
    kata.slug,
    `${summary.stage}/${kata.stages.length}`,
    `${summary.passed}/${summary.total}`,
    statusText(summary) + (summary.reason ? c.dim(` ${summary.reason.slice(0, 70)}`) : ''),
  ]);
  console.log(`\n${table(['track', 'kata', 'stage', 'tests', 'status'], rows)}\n`);
  const passed = results.reduce((n, r) => n + r.summary.passed, 0);
  const total = results.reduce((n, r) => n + r.summary.total, 0);
  const done = results.filter((r) => r.summary.done).length;
  console.log(`Progress  ${bar(passed, total)}  ${done}/${results.length} katas done, ${passed}/${total} tests`);
  const next = results.find((r) => !r.summary.done);
  if (next) {
    const stage = next.kata.stages[next.summary.stage] ?? next.kata.stages[0];
    console.log(`\nNext: ${c.bold(next.kata.slug)} — stage ${next.summary.stage + 1}: ${stage}`);
    console.log(`      read katas/${next.kata.slug}/README.md, then \`npm run grade ${next.kata.slug}\``);
  } else console.log(c.green('\nEvery kata passes. Well done.'));
  return flags.strict && anyFailed ? 1 : 0;
}

const MAX_DETAILED = 5;

function explain(t: TestOutcome): string {
  const lines: string[] = [];
  const err = t.errors[0];
  if (t.state === 'hung') lines.push(c.red(err?.message ?? 'never finished'));
  else if (t.state === 'skipped') lines.push(c.cyan(`skipped: ${t.note ?? 'no reason given'}`));
  else if (err) {
    const notImpl = /is not implemented yet/.test(err.message) && err.name === 'NotImplementedError';
    const first = err.message.split('\n').filter((l) => !/^(seed|replay): /.test(l));
    if (notImpl) lines.push(c.yellow(err.message.split('. ')[0]!.replace(/^[\w-]+: /, 'not implemented yet: ').replace(/ is not implemented yet$/, '')));
    else lines.push(`${err.name && err.name !== 'Error' && err.name !== 'AssertionError' ? `${err.name}: ` : ''}${first.slice(0, 12).join('\n')}`);
    if (err.diff && !notImpl) lines.push(err.diff.split('\n').slice(0, 16).join('\n'));
    const { seed, replay } = replayOf(err.message);
    if (seed) lines.push(c.magenta(`seed ${seed}  →  replay: ${replay ?? `--seed ${seed}`}`));
    if (err.stack && !notImpl) {
      const at = err.stack.split('\n').find((l) => /katas\/|solutions\//.test(l));
      if (at) lines.push(c.dim(at.trim()));
    }
  }
  return indent(lines.join('\n'), '      ');
}

export function printDetail(kata: KataDef, run: RunResult, label = 'your code'): KataSummary {
  const summary = summarize(kata, run);
  console.log(`\n${c.bold(kata.title)} ${c.dim(`(${kata.slug}, ${label})`)}  stage ${summary.stage}/${kata.stages.length}, ${summary.passed}/${summary.total} tests passing`);
  for (const p of run.problems) console.log(c.red(`  ! ${p}`));
  let detailed = 0;
  const notes = new Set<string>();
  kata.stages.forEach((title, i) => {
    const tests = run.tests.filter((t) => t.stage === i + 1);
    if (tests.length === 0) return;
    const ok = tests.every((t) => t.state === 'passed');
    console.log(`\n  ${ok ? c.green(SYMBOLS.pass) : c.red(SYMBOLS.fail)} Stage ${i + 1}: ${title}  ${c.dim(`${tests.filter((t) => t.state === 'passed').length}/${tests.length}`)}`);
    for (const t of tests) {
      const short = t.name.split(' > ').slice(1).join(' > ');
      if (t.state === 'passed') {
        console.log(`    ${c.green(SYMBOLS.pass)} ${c.dim(short)}`);
        continue;
      }
      const sym = t.state === 'hung' ? SYMBOLS.hang : t.state === 'skipped' ? SYMBOLS.skip : t.state === 'not-run' ? SYMBOLS.dot : SYMBOLS.fail;
      console.log(`    ${t.state === 'skipped' ? c.cyan(sym) : c.red(sym)} ${short}${t.state === 'not-run' ? c.dim(' (not run)') : ''}`);
      if (t.state === 'skipped') {
        // A skip's reason says what to start; say it once per reason, never crowded out by failures.
        if (t.note && !notes.has(t.note)) {
          notes.add(t.note);
          console.log(c.cyan(`      skipped: ${t.note}`));
        }
        continue;
      }
      if (t.state !== 'not-run' && detailed < MAX_DETAILED) {
        detailed++;
        console.log(explain(t));
      }
    }
  });
  const outside = run.tests.filter((t) => t.stage === null || t.stage > kata.stages.length);
  for (const t of outside) console.log(`    ${t.state === 'passed' ? SYMBOLS.pass : SYMBOLS.fail} ${t.name}`);
  return summary;
}

export async function gradeOne(catalog: Catalog, slug: string, flags: Parsed['flags']): Promise<number> {
  const kata = findKata(catalog, slug);
  const opts = gradeOptions(flags);
  const run = await gradeKata(catalog, kata, opts);
  const summary = summarize(kata, run);
  if (!opts.testFilter && !opts.seed) record(catalog, [{ kata, summary }]);
  if (flags.json) {
    console.log(JSON.stringify({ katas: [{ slug: kata.slug, stage: summary.stage, passed: summary.passed, total: summary.total, status: summary.status, tests: jsonTests(run), problems: run.problems }] }));
    return flags.strict && !summary.done ? 1 : 0;
  }
  printDetail(kata, run);
  if (summary.done) console.log(c.green(`\n${kata.slug} passes every test. Compare with the reference: npm run solution -- ${kata.slug} --diff`));
  else {
    const stage = kata.stages[summary.stage];
    console.log(`\nWorking on stage ${summary.stage + 1}${stage ? `: ${stage}` : ''} — katas/${kata.slug}/README.md`);
    console.log(c.dim(`Stuck? npm run hint ${kata.slug}    Re-grade on save: npm run grade -- ${kata.slug} --watch`));
  }
  return flags.strict && !summary.done ? 1 : 0;
}

export async function watchKata(catalog: Catalog, slug: string, flags: Parsed['flags']): Promise<number> {
  const kata = findKata(catalog, slug);
  const dir = kataPaths(catalog, kata.slug).stubDir;
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
    await gradeOne(catalog, slug, { ...flags, json: false as never });
    console.log(c.dim(`\nWatching ${path.relative(process.cwd(), dir) || dir} — save a file to re-grade, Ctrl-C to stop.`));
    running = false;
    if (again) {
      again = false;
      void run();
    }
  };
  await run();
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), 200);
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      watcher.close();
      resolve();
    });
  });
  return 0;
}
