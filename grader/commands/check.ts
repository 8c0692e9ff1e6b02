/**
 * `npm run check`: the maintainers' honesty check. For every kata: manifest and folders agree,
 * stub and solution export the same API, every test fails on the stub and passes on the
 * solution, every mutant is killed. Ends with `N passed, N failed`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KataDef } from '../define.ts';
import { findKata, kataPaths, type Catalog } from '../catalog.ts';
import { c, SYMBOLS, table } from '../output.ts';
import { GRADER_HOME, PARALLEL_RUNS, pool, runSpec, type RunResult, type Target } from '../runner.ts';
import { hintLevels } from './hint.ts';
import { gradeOptions, printDetail } from './grade.ts';
import type { Parsed } from '../args.ts';

const MIN_MUTANTS = 3;

interface KataCheck {
  kata: KataDef;
  structure: string[];
  solution?: RunResult;
  stub?: RunResult;
  mutants: Array<{ name: string; run: RunResult; killed: boolean }>;
}

/** Problems with a kata's files and manifest entry that need no test run to see. */
export function structureProblems(catalog: Catalog, kata: KataDef): string[] {
  const p = kataPaths(catalog, kata.slug);
  const out: string[] = [];
  const need = [path.join(p.stubDir, 'index.ts'), p.readme, p.hints, path.join(p.solutionDir, 'index.ts')];
  for (const f of need) if (!existsSync(f)) out.push(`missing ${path.relative(catalog.root, f)}`);
  const specs = existsSync(p.specDir) ? readdirSync(p.specDir).filter((f) => f.endsWith('.spec.ts')) : [];
  if (specs.length === 0) out.push(`no spec/${kata.slug}/*.spec.ts`);
  if (existsSync(p.hints) && hintLevels(readFileSync(p.hints, 'utf8')).length < 2) out.push('HINTS.md needs at least two "## Hint N" sections');
  for (const file of tsFiles(p.stubDir)) {
    const src = readFileSync(file, 'utf8');
    if (/from\s+['"][^'"]*solutions\//.test(src)) out.push(`${path.relative(catalog.root, file)} imports from solutions/: a stub must stand on its own`);
  }
  const stubIndex = path.join(p.stubDir, 'index.ts');
  if (existsSync(stubIndex) && !tsFiles(p.stubDir).some((f) => /\btodo\(|TODO/.test(readFileSync(f, 'utf8')))) {
    out.push('the stub has no todo(...) or TODO left for the learner: is it a solution?');
  }
  if (kata.mutants.length < MIN_MUTANTS) out.push(`${kata.mutants.length} mutants; every kata needs at least ${MIN_MUTANTS}`);
  for (const m of kata.mutants) {
    const file = path.join(p.solutionDir, m.file);
    if (!existsSync(file)) {
      out.push(`mutant ${m.name}: solutions/${kata.slug}/${m.file} does not exist`);
      continue;
    }
    const n = readFileSync(file, 'utf8').split(m.find).length - 1;
    if (n !== 1) out.push(`mutant ${m.name}: its "find" text occurs ${n} times in solutions/${kata.slug}/${m.file} (must be exactly once)`);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/** Folders under katas/, solutions/ or spec/ that the manifest does not list. */
export function strayFolders(catalog: Catalog): string[] {
  const known = new Set(catalog.katas.map((k) => k.slug));
  const out: string[] = [];
  for (const top of ['katas', 'solutions', 'spec']) {
    const dir = path.join(catalog.root, top);
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== 'support' && !known.has(e.name)) out.push(`${top}/${e.name}/ is not in manifest.ts`);
    }
  }
  return out;
}

/** Compares the names and kinds of what stub and solution export, in a child process. */
export function apiProblems(catalog: Catalog, katas: KataDef[]): Map<string, string[]> {
  const script = path.join(GRADER_HOME, 'grader', 'api-shape.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, catalog.root, ...katas.map((k) => k.slug)], {
    cwd: GRADER_HOME,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = new Map<string, string[]>();
  let shapes: Record<string, { stub?: Record<string, string>; solution?: Record<string, string>; error?: string }> = {};
  try {
    shapes = JSON.parse(r.stdout);
  } catch {
    for (const k of katas) out.set(k.slug, [`could not compare the APIs: ${r.stderr.split('\n')[0]}`]);
    return out;
  }
  for (const k of katas) {
    const s = shapes[k.slug];
    const problems: string[] = [];
    if (!s || s.error || !s.stub || !s.solution) problems.push(`API not compared: ${s?.error ?? 'no answer'}`);
    else {
      for (const [name, kind] of Object.entries(s.solution)) {
        if (!(name in s.stub)) problems.push(`the stub does not export ${name}`);
        else if (s.stub[name] !== kind) problems.push(`${name} is a ${kind} in the solution but a ${s.stub[name]} in the stub`);
      }
      for (const name of Object.keys(s.stub)) if (!(name in s.solution)) problems.push(`the stub exports ${name}, the solution does not`);
    }
    out.set(k.slug, problems);
  }
  return out;
}

/** tsc over the specs against stubs and against solutions; errors attributed to katas by path. */
export function typeProblems(catalog: Catalog): { byKata: Map<string, string[]>; global: string[] } {
  const byKata = new Map<string, string[]>();
  const global: string[] = [];
  if (path.resolve(catalog.root) !== GRADER_HOME) return { byKata, global };
  const tsc = path.join(GRADER_HOME, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const project of ['tsconfig.json', 'tsconfig.solution.json']) {
    const r = spawnSync(process.execPath, [tsc, '-p', project], { cwd: GRADER_HOME, encoding: 'utf8', timeout: 300_000 });
    for (const line of r.stdout.split('\n')) {
      const m = /^(\S+?)\(\d+,\d+\): error /.exec(line);
      if (!m) continue;
      const slug = /^(?:katas|solutions|spec)\/([^/]+)\//.exec(m[1]!)?.[1];
      const msg = `${project}: ${line.trim()}`;
      if (slug && catalog.katas.some((k) => k.slug === slug)) byKata.set(slug, [...(byKata.get(slug) ?? []), msg]);
      else global.push(msg);
    }
    if (r.status !== 0 && !r.stdout.includes('error')) global.push(`${project}: tsc failed: ${r.stderr.split('\n')[0]}`);
  }
  return { byKata, global };
}

function testVerdicts(k: KataCheck) {
  const stubState = new Map((k.stub?.tests ?? []).map((t) => [t.name, t.state]));
  return (k.solution?.tests ?? []).map((t) => {
    const stub = stubState.get(t.name);
    return {
      name: t.name,
      stage: t.stage,
      solution: t.state === 'passed' ? ('pass' as const) : ('fail' as const),
      // A stub whose spec cannot load fails every test.
      stub: stub === 'passed' ? ('pass' as const) : ('fail' as const),
      stageOk: t.stage !== null && t.stage >= 1 && t.stage <= k.kata.stages.length,
    };
  });
}

function kataProblems(k: KataCheck): string[] {
  const out = [...k.structure];
  for (const p of k.solution?.problems ?? []) out.push(`solution run: ${p}`);
  for (const p of k.stub?.problems ?? []) if (!/spec\/.*\.spec\.ts: /.test(p) || /LeakedHandles/.test(p)) out.push(`stub run: ${p}`);
  const verdicts = testVerdicts(k);
  const stages = new Set(verdicts.map((v) => v.stage));
  k.kata.stages.forEach((title, i) => {
    if (!stages.has(i + 1)) out.push(`stage ${i + 1} (${title}) has no tests`);
  });
  for (const v of verdicts) if (!v.stageOk) out.push(`test outside any declared stage: ${v.name}`);
  return out;
}

export async function check(catalog: Catalog, parsed: Parsed): Promise<number> {
  const { flags, args } = parsed;
  const katas = args.length ? args.map((s) => findKata(catalog, s)) : catalog.katas;
  const opts = gradeOptions(flags);

  if (typeof flags.mutant === 'string') {
    if (katas.length !== 1) throw new Error('--mutant needs exactly one kata');
    const kata = katas[0]!;
    const m = kata.mutants.find((x) => x.name === flags.mutant);
    if (!m) throw new Error(`${kata.slug} has no mutant "${flags.mutant}"; it has: ${kata.mutants.map((x) => x.name).join(', ') || 'none'}`);
    console.log(c.dim(`mutant ${m.name}: ${m.why}`));
    const run = await runSpec({ root: catalog.root, kata, target: { kind: 'mutant', mutant: m }, ...opts });
    printDetail(kata, run, `mutant ${m.name}`);
    const killed = isKilled(run);
    console.log(`\n${killed ? c.green('killed') : c.red('SURVIVED: no test fails on this mutant')}`);
    console.log(`${killed ? 1 : 0} passed, ${killed ? 0 : 1} failed`);
    return killed ? 0 : 1;
  }

  const quiet = Boolean(flags.json);
  const log = (s: string) => quiet || console.log(s);
  log(c.dim(`Checking ${katas.length} kata${katas.length === 1 ? '' : 's'}: solution, stub and ${katas.reduce((n, k) => n + k.mutants.length, 0)} mutants ...`));

  const checks: KataCheck[] = katas.map((kata) => ({ kata, structure: structureProblems(catalog, kata), mutants: [] }));
  const jobs: Array<{ k: KataCheck; target: Target }> = [];
  for (const k of checks) {
    jobs.push({ k, target: { kind: 'solution' } }, { k, target: { kind: 'stub' } });
    for (const mutant of k.kata.mutants) {
      // A mutant that does not apply would "fail" every test by not loading: never count that as a kill.
      if (k.structure.some((p) => p.startsWith(`mutant ${mutant.name}:`))) {
        k.mutants.push({ name: mutant.name, run: { slug: k.kata.slug, target: 'mutant', mutant: mutant.name, tests: [], problems: ['did not apply'], ms: 0, log: '' }, killed: false });
      } else jobs.push({ k, target: { kind: 'mutant', mutant } });
    }
  }
  const api = apiProblems(catalog, katas);
  const types = flags['no-typecheck'] ? { byKata: new Map<string, string[]>(), global: [] } : typeProblems(catalog);
  let done = 0;
  const started = Date.now();
  const left = new Map<KataCheck, number>();
  for (const j of jobs) left.set(j.k, (left.get(j.k) ?? 0) + 1);
  const kataStarted = new Map<KataCheck, number>();
  // Each kata's solution run is queued before its mutants; mutants wait for it to learn which spec
  // file is slow (see mutantRun).
  const solutionRuns = new Map<KataCheck, { resolve: (r: RunResult) => void; promise: Promise<RunResult> }>();
  for (const k of checks) {
    let resolve!: (r: RunResult) => void;
    const promise = new Promise<RunResult>((r) => (resolve = r));
    solutionRuns.set(k, { resolve, promise });
  }
  await pool(jobs, PARALLEL_RUNS, async ({ k, target }) => {
    if (!kataStarted.has(k)) kataStarted.set(k, Date.now());
    const run =
      target.kind === 'mutant'
        ? await mutantRun(catalog.root, k.kata, target, await solutionRuns.get(k)!.promise, opts)
        : await runSpec({ root: catalog.root, kata: k.kata, target, ...opts });
    if (target.kind === 'solution') solutionRuns.get(k)!.resolve(run);
    if (target.kind === 'solution') k.solution = run;
    else if (target.kind === 'stub') k.stub = run;
    else k.mutants.push({ name: target.mutant.name, run, killed: isKilled(run) });
    done++;
    left.set(k, left.get(k)! - 1);
    if (quiet) return;
    if (process.stdout.isTTY) process.stdout.write(`\r${c.dim(`${done}/${jobs.length} runs`)}`);
    else if (left.get(k) === 0) {
      // Without a TTY (CI logs) a line per finished kata shows the run is alive and where time goes.
      const killed = k.mutants.filter((m) => m.killed).length;
      const secs = (ms: number) => `${Math.round(ms / 1000)}s`;
      console.log(
        c.dim(`  ${k.kata.slug}: ${k.solution?.tests.length ?? 0} tests, ${killed}/${k.mutants.length} mutants killed, ${secs(Date.now() - kataStarted.get(k)!)} (elapsed ${secs(Date.now() - started)}, ${done}/${jobs.length} runs)`),
      );
    }
  });
  if (!quiet && process.stdout.isTTY) process.stdout.write('\r\x1b[K');
  for (const k of checks) {
    k.structure.push(...(api.get(k.kata.slug) ?? []), ...(types.byKata.get(k.kata.slug) ?? []));
    k.mutants.sort((a, b) => k.kata.mutants.findIndex((m) => m.name === a.name) - k.kata.mutants.findIndex((m) => m.name === b.name));
  }
  const stray = args.length ? [] : strayFolders(catalog);
  const globalProblems = [...stray, ...types.global];

  let passed = 0;
  let failed = 0;
  const rows: string[][] = [];
  const report = checks.map((k) => {
    const verdicts = testVerdicts(k);
    const problems = kataProblems(k);
    const honest = verdicts.filter((v) => v.solution === 'pass' && v.stub === 'fail' && v.stageOk).length;
    const killed = k.mutants.filter((m) => m.killed).length;
    passed += honest + killed + (problems.length ? 0 : 1);
    failed += verdicts.length - honest + (k.mutants.length - killed) + (problems.length ? 1 : 0);
    const ok = problems.length === 0 && honest === verdicts.length && killed === k.mutants.length && verdicts.length > 0;
    rows.push([
      ok ? c.green(SYMBOLS.pass) : c.red(SYMBOLS.fail),
      k.kata.slug,
      `${verdicts.length}`,
      colourCount(verdicts.filter((v) => v.solution === 'pass').length, verdicts.length),
      colourCount(verdicts.filter((v) => v.stub === 'fail').length, verdicts.length),
      colourCount(killed, k.mutants.length),
      problems.length ? c.red(String(problems.length)) : c.dim('0'),
    ]);
    return { k, verdicts, problems };
  });
  failed += globalProblems.length;

  if (flags.json) {
    console.log(
      JSON.stringify({
        katas: report.map(({ k, verdicts, problems }) => ({
          slug: k.kata.slug,
          tests: verdicts.map(({ name, stage, solution, stub }) => ({ name, stage, solution, stub })),
          mutants: k.mutants.map((m) => ({ name: m.name, killed: m.killed })),
          problems,
        })),
        problems: globalProblems,
        passed,
        failed,
      }),
    );
    return failed ? 1 : 0;
  }

  console.log(`\n${table(['', 'kata', 'tests', 'pass on solution', 'fail on stub', 'mutants killed', 'problems'], rows)}`);
  for (const { k, verdicts, problems } of report) {
    const bad = verdicts.filter((v) => v.solution !== 'pass' || v.stub !== 'fail');
    const survivors = k.mutants.filter((m) => !m.killed);
    if (!bad.length && !survivors.length && !problems.length) continue;
    console.log(`\n${c.bold(k.kata.slug)}`);
    for (const p of problems) console.log(c.red(`  ! ${p}`));
    for (const v of bad) {
      const why = v.solution !== 'pass' ? 'fails on the solution' : 'passes on the stub (asserts nothing a stub cannot do)';
      console.log(`  ${c.red(SYMBOLS.fail)} ${v.name} ${c.dim(`— ${why}`)}`);
      if (v.solution !== 'pass') {
        const t = k.solution?.tests.find((x) => x.name === v.name);
        const msg = t?.errors[0]?.message.split('\n').slice(0, 4).join('\n') ?? t?.note ?? t?.state;
        if (msg) console.log(c.dim(`      ${msg.replace(/\n/g, '\n      ')}`));
      }
    }
    for (const m of survivors) {
      const def = k.kata.mutants.find((x) => x.name === m.name);
      console.log(`  ${c.red(SYMBOLS.fail)} mutant ${m.name} survived ${c.dim(`— ${def?.why ?? ''}`)}`);
    }
  }
  for (const p of globalProblems) console.log(c.red(`! ${p}`));
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

/**
 * A mutant needs one failing test, so it runs with bail. Most mutants die in the quick files, yet a
 * spec's slowest file (twenty SIGKILLed child processes, say) would keep running beside them: when
 * one file took most of the solution's time, the mutant first runs without it and meets that file
 * only if it survived the rest. Every kill is still a real failing test.
 */
async function mutantRun(root: string, kata: KataDef, target: Target, solution: RunResult, opts: ReturnType<typeof gradeOptions>): Promise<RunResult> {
  const perFile = new Map<string, number>();
  for (const t of solution.tests) perFile.set(t.file, (perFile.get(t.file) ?? 0) + t.ms);
  const byTime = [...perFile].sort((a, b) => b[1] - a[1]);
  const total = byTime.reduce((n, [, ms]) => n + ms, 0);
  const [slowest] = byTime;
  const split = byTime.length > 1 && slowest !== undefined && slowest[1] >= SLOW_FILE_MS && slowest[1] >= total * 0.4;
  if (!split) return runSpec({ root, kata, target, bail: true, ...opts });
  const rest = byTime.slice(1).map(([file]) => file);
  const first = await runSpec({ root, kata, target, bail: true, files: rest, ...opts });
  if (isKilled(first)) return first;
  return runSpec({ root, kata, target, bail: true, files: [slowest[0]], ...opts });
}

/** A spec file at least this slow on the solution, and most of the spec's time, runs last for mutants. */
const SLOW_FILE_MS = 5_000;

/** A mutant is killed when a test fails on it; a spec that cannot load on it is killed too. */
function isKilled(run: RunResult): boolean {
  return run.tests.some((t) => t.state === 'failed' || t.state === 'hung') || (run.tests.length === 0 && run.problems.length > 0);
}

function colourCount(n: number, of: number): string {
  const s = `${n}/${of}`;
  return n === of ? c.green(s) : c.red(s);
}
