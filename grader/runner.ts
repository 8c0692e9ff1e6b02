/**
 * Runs one kata's spec against one target in a separate vitest process and turns what happened
 * into per-test outcomes. Learner code may hang, exit, leak or fill the disk: the run is watched
 * from outside, stopped when it must be, and always produces a result.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, lstatSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KataDef, MutantDef } from './define.ts';
import { NAME_SEPARATOR, type ErrorInfo, type RunEvent } from './reporter.ts';
import { targetEnv, type TargetKind } from './target.ts';

/** The grader's own installation (vitest, the config, the reporter), whatever workbook it grades. */
export const GRADER_HOME = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export type Target = { kind: 'stub' } | { kind: 'solution' } | { kind: 'mutant'; mutant: MutantDef };

export type TestState = 'passed' | 'failed' | 'skipped' | 'hung' | 'not-run';

export interface TestOutcome {
  name: string;
  file: string;
  /** From the enclosing `describe('stage N: ...')`; null when the test is outside any stage. */
  stage: number | null;
  state: TestState;
  errors: ErrorInfo[];
  note?: string;
  ms: number;
}

export interface RunResult {
  slug: string;
  target: TargetKind;
  mutant?: string;
  tests: TestOutcome[];
  /** Problems with the run as a whole, each a sentence for the learner. */
  problems: string[];
  ms: number;
  /** Tail of vitest's own output, for diagnosing a crash. */
  log: string;
}

export interface RunOptions {
  root: string;
  kata: KataDef;
  target: Target;
  /** Stop at the first failing test (mutants: one kill is enough). */
  bail?: boolean;
  /** Only tests whose full name contains this text. */
  testFilter?: string;
  seed?: string;
  fcPath?: string;
  /** Only these spec files (paths relative to the workbook root); the whole spec folder otherwise. */
  files?: string[];
}

const DEFAULT_TIMEOUT_S = 120;
const DEFAULT_STALL_S = 45;
const DEFAULT_TMP_MIB = 1024;
/** How long vitest may take to exit once it has reported the end of the run. */
const EXIT_GRACE_MS = 8_000;
const MAX_RERUNS = 3;

export function stageOf(name: string): number | null {
  const m = /^stage (\d+)\b/i.exec(name);
  return m ? Number(m[1]) : null;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function dirBytes(dir: string, limit: number): number {
  let total = 0;
  const stack = [dir];
  while (stack.length && total <= limit) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        const st = lstatSync(path.join(d, n));
        if (st.isDirectory()) stack.push(path.join(d, n));
        else total += st.size;
      } catch {
        // vanished while we looked
      }
    }
  }
  return total;
}

function parseEvents(file: string): RunEvent[] {
  if (!existsSync(file)) return [];
  const out: RunEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as RunEvent);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}

interface Attempt {
  events: RunEvent[];
  stopped?: 'timeout' | 'stall' | 'disk';
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  ended: boolean;
  lingered: boolean;
  log: string;
}

function killTree(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function attempt(opts: RunOptions, excludeNames: string[]): Promise<Attempt> {
  const { root, kata, target } = opts;
  const scratch = mkdtempSync(path.join(os.tmpdir(), `kata-${kata.slug}-`));
  const tmp = path.join(scratch, 'tmp');
  mkdirSync(tmp);
  const results = path.join(scratch, 'results.ndjson');
  const mutantEnv =
    target.kind === 'mutant'
      ? { slug: kata.slug, name: target.mutant.name, file: path.join(root, 'solutions', kata.slug, target.mutant.file), find: target.mutant.find, replace: target.mutant.replace }
      : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...targetEnv(root, target.kind, mutantEnv),
    KATA_RESULTS: results,
    TMPDIR: tmp,
    TMP: tmp,
    TEMP: tmp,
    FORCE_COLOR: '0',
  };
  delete env.KATA_SEED;
  delete env.KATA_FC_PATH;
  if (opts.seed !== undefined) env.KATA_SEED = opts.seed;
  if (opts.fcPath !== undefined) env.KATA_FC_PATH = opts.fcPath;

  const args = [path.join(GRADER_HOME, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', path.join(GRADER_HOME, 'vitest.config.ts'), ...(opts.files?.length ? opts.files : [`spec/${kata.slug}/`])];
  if (opts.bail) args.push('--bail=1');
  // vitest matches -t against "<file> <describe...> <test>" joined by spaces.
  const asVitest = (name: string) => escapeRegex(name.split(NAME_SEPARATOR).join(' '));
  const patterns: string[] = [];
  if (opts.testFilter) patterns.push(`(?=.*${asVitest(opts.testFilter)})`);
  if (excludeNames.length) patterns.push(`(?!.*(?:${excludeNames.map(asVitest).join('|')})$)`);
  if (patterns.length) args.push('-t', `^${patterns.join('')}`);

  const child = spawn(process.execPath, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const timeoutMs = (kata.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
  const stallMs = (kata.stallSeconds ?? DEFAULT_STALL_S) * 1000;
  const tmpLimit = (kata.tmpLimitMiB ?? DEFAULT_TMP_MIB) * 1024 * 1024;
  const started = Date.now();
  let lastProgress = started;
  let lastSize = 0;
  let endedAt = 0;
  let stopped: Attempt['stopped'];
  let lingered = false;

  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  const watchdog = setInterval(() => {
    const now = Date.now();
    let size = 0;
    try {
      size = lstatSync(results).size;
    } catch {
      // not written yet
    }
    if (size !== lastSize) {
      lastSize = size;
      lastProgress = now;
      if (!endedAt && readFileSync(results, 'utf8').includes('"type":"end"')) endedAt = now;
    }
    if (endedAt && now - endedAt > EXIT_GRACE_MS) {
      lingered = true;
      killTree(child.pid);
    } else if (now - started > timeoutMs) {
      stopped = 'timeout';
      killTree(child.pid);
    } else if (!endedAt && lastSize > 0 && now - lastProgress > stallMs) {
      // Only once tests have begun: starting vitest on a loaded machine is slow, not stuck.
      stopped = 'stall';
      killTree(child.pid);
    } else if (dirBytes(tmp, tmpLimit) > tmpLimit) {
      stopped = 'disk';
      killTree(child.pid);
    }
  }, 200);
  const { code, signal } = await exit;
  clearInterval(watchdog);
  // Learner code may have spawned processes of its own in the group.
  killTree(child.pid);
  const events = parseEvents(results);
  rmSync(scratch, { recursive: true, force: true });
  return { events, stopped, exitCode: code, signal, ended: events.some((e) => e.type === 'end'), lingered, log };
}

function describeStop(a: Attempt, kata: KataDef): string | undefined {
  switch (a.stopped) {
    case 'timeout':
      return `the spec run was stopped after ${kata.timeoutSeconds ?? DEFAULT_TIMEOUT_S} s`;
    case 'stall':
      return `no test finished for ${kata.stallSeconds ?? DEFAULT_STALL_S} s (an endless loop or a blocked event loop?); the run was stopped`;
    case 'disk':
      return `the code wrote more than ${kata.tmpLimitMiB ?? DEFAULT_TMP_MIB} MiB of temporary files; the run was stopped`;
    default:
      return undefined;
  }
}

/** Runs a kata's spec against a target; reruns around hung tests so the rest still get graded. */
export async function runSpec(opts: RunOptions): Promise<RunResult> {
  const t0 = Date.now();
  const outcomes = new Map<string, TestOutcome>();
  const order: string[] = [];
  const problems: string[] = [];
  const hung: string[] = [];
  let log = '';

  for (let round = 0; round <= MAX_RERUNS; round++) {
    const a = await attempt(opts, hung);
    log = a.log;
    const finished = new Set<string>();
    const running = new Set<string>();
    for (const e of a.events) {
      if (e.type === 'start') running.add(e.name);
      if (e.type === 'finish') running.delete(e.name);
      if (e.type === 'collected') {
        for (const name of e.tests) {
          if (!outcomes.has(name)) {
            order.push(name);
            outcomes.set(name, { name, file: e.file, stage: stageOf(name), state: 'not-run', errors: [], ms: 0 });
          }
        }
      } else if (e.type === 'result') {
        finished.add(e.name);
        const o = outcomes.get(e.name);
        // A test filtered out by -t is reported as skipped: it keeps its earlier outcome.
        if (o && !(e.state === 'skipped' && o.state !== 'not-run' && !e.note)) {
          Object.assign(o, { state: e.state, errors: e.errors, note: e.note, ms: e.ms });
        }
      } else if (e.type === 'module') {
        for (const err of e.errors) problems.push(`${e.file}: ${err.name ? `${err.name}: ` : ''}${err.message.split('\n')[0]}`);
      } else if (e.type === 'end') {
        for (const err of e.errors) problems.push(`unhandled error: ${err.name ? `${err.name}: ` : ''}${err.message.split('\n')[0]}`);
      }
    }
    if (a.lingered) problems.push('the tests finished but something kept the process alive (a server, socket or timer that was never closed)');
    const stop = describeStop(a, opts.kata);
    if (!stop) {
      if (!a.ended && !a.lingered) {
        problems.push(`the test process died (${a.signal ? `signal ${a.signal}` : `exit code ${a.exitCode}`}) before the run ended`);
      }
      break;
    }
    if (a.stopped === 'disk') problems.push(stop);
    // The tests that started and never finished are the ones that stuck.
    let blamed = 0;
    for (const name of running) {
      const o = outcomes.get(name);
      if (!o || finished.has(name) || hung.includes(name)) continue;
      o.state = a.stopped === 'disk' ? 'failed' : 'hung';
      o.errors = [{ message: stop }];
      hung.push(name);
      blamed++;
    }
    if (blamed === 0) {
      problems.push(stop);
      break;
    }
    if (round === MAX_RERUNS) problems.push(`${stop}; gave up after ${MAX_RERUNS + 1} attempts`);
  }

  if (order.length === 0 && problems.length === 0) problems.push(`no tests found under spec/${opts.kata.slug}/`);

  // With --test, the tests vitest filtered out are not part of the answer.
  const filter = opts.testFilter;
  const shown = filter ? order.filter((n) => n.includes(filter)) : order;

  return {
    slug: opts.kata.slug,
    target: opts.target.kind,
    mutant: opts.target.kind === 'mutant' ? opts.target.mutant.name : undefined,
    tests: shown.map((n) => outcomes.get(n)!),
    problems: [...new Set(problems)],
    ms: Date.now() - t0,
    log,
  };
}

/** Runs tasks with at most `limit` in flight, keeping their order in the result. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export const PARALLEL_RUNS = Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));

/** Whether a run counts as all-green: every test passed and nothing else went wrong. */
export function allPassed(r: RunResult): boolean {
  return r.problems.length === 0 && r.tests.length > 0 && r.tests.every((t) => t.state === 'passed');
}
