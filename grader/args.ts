/** The grader's command line: every command, its arguments and flags, parsed in one place. */
import { UsageError } from './errors.ts';

interface FlagSpec {
  /** Takes a value (`--seed 7` or `--seed=7`). */
  value?: boolean;
  help: string;
}

interface CommandSpec {
  args: string;
  help: string;
  flags: Record<string, FlagSpec>;
  /** Positional arguments: [min, max]. */
  arity: [number, number];
}

const WORKBOOK: FlagSpec = { value: true, help: 'grade another workbook folder (used by the grader\'s own tests)' };
const REPLAY: Record<string, FlagSpec> = {
  seed: { value: true, help: 'replay a randomised test with this seed' },
  path: { value: true, help: 'with --seed: replay this fast-check counterexample path' },
  test: { value: true, help: 'run only tests whose name contains this text' },
};

export const COMMANDS: Record<string, CommandSpec> = {
  grade: {
    args: '[kata]',
    help: 'grade your katas (all: a progress table; one: its failures in detail)',
    arity: [0, 1],
    flags: {
      json: { help: 'print one JSON object instead of the report' },
      strict: { help: 'exit non-zero when any test fails' },
      watch: { help: 're-grade the kata on every save' },
      ...REPLAY,
      workbook: WORKBOOK,
    },
  },
  solution: {
    args: '<kata>',
    help: 'run the spec against the reference solution, beside your result',
    arity: [1, 1],
    flags: { diff: { help: 'show your files against the solution' }, ...REPLAY, workbook: WORKBOOK },
  },
  hint: { args: '<kata> [level]', help: 'show the next hint (or the given level)', arity: [1, 2], flags: { workbook: WORKBOOK } },
  reset: {
    args: '<kata>',
    help: 'put the stub back as it was (your files are backed up first)',
    arity: [1, 1],
    flags: { ref: { value: true, help: 'git revision to restore from (default: upstream, else HEAD)' }, workbook: WORKBOOK },
  },
  list: { args: '', help: 'list the katas by track with your progress', arity: [0, 0], flags: { workbook: WORKBOOK } },
  next: { args: '', help: 'show the kata to work on next', arity: [0, 0], flags: { workbook: WORKBOOK } },
  ui: { args: '[kata]', help: 'open the vitest UI on your katas', arity: [0, 1], flags: { workbook: WORKBOOK } },
  check: {
    args: '[kata...]',
    help: 'maintainers: every test fails on the stub and passes on the solution; every mutant is killed',
    arity: [0, 99],
    flags: {
      json: { help: 'print one JSON object' },
      mutant: { value: true, help: 'run one mutant and show which tests fail' },
      'no-typecheck': { help: 'skip the type-check of stubs and solutions against the specs' },
      ...REPLAY,
      workbook: WORKBOOK,
    },
  },
  bench: {
    args: '<kata>',
    help: 'benchmark the reference beside the peer libraries',
    arity: [1, 1],
    flags: { mine: { help: 'benchmark your code instead of the reference' }, workbook: WORKBOOK },
  },
  experiment: {
    args: '<kata>',
    help: 'run the kata\'s experiment and draw its chart (reports/)',
    arity: [1, 1],
    flags: { mine: { help: 'use your code instead of the reference' }, workbook: WORKBOOK },
  },
  help: { args: '[command]', help: 'show this help', arity: [0, 1], flags: {} },
};

export interface Parsed {
  command: string;
  args: string[];
  flags: Record<string, string | true>;
}

export function usage(command?: string): string {
  const names = command && COMMANDS[command] ? [command] : Object.keys(COMMANDS);
  const lines = ['Usage: npm run <command> -- [arguments] [flags]', ''];
  for (const name of names) {
    const spec = COMMANDS[name]!;
    lines.push(`  npm run ${name}${spec.args ? ` ${spec.args}` : ''}`.padEnd(34) + spec.help);
    for (const [flag, f] of Object.entries(spec.flags)) {
      lines.push(`      --${flag}${f.value ? ' <value>' : ''}`.padEnd(34) + f.help);
    }
  }
  lines.push('', 'Flags go after `--` so npm passes them on: npm run grade -- wal --seed 42');
  return lines.join('\n');
}

export function parseArgs(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') return { command: 'help', args: [], flags: {} };
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command "${command}"\n\n${usage()}`);
  const args: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i]!;
    if (tok === '--help' || tok === '-h') return { command: 'help', args: [command], flags: {} };
    if (!tok.startsWith('--')) {
      args.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const name = tok.slice(2, eq === -1 ? undefined : eq);
    const f = spec.flags[name];
    if (!f) throw new UsageError(`npm run ${command}: unknown flag --${name}\n\n${usage(command)}`);
    if (f.value) {
      const v = eq === -1 ? rest[++i] : tok.slice(eq + 1);
      if (v === undefined || v === '') throw new UsageError(`npm run ${command}: --${name} needs a value\n\n${usage(command)}`);
      flags[name] = v;
    } else {
      if (eq !== -1) throw new UsageError(`npm run ${command}: --${name} takes no value`);
      flags[name] = true;
    }
  }
  const [min, max] = spec.arity;
  if (args.length < min || args.length > max) {
    throw new UsageError(`npm run ${command}: expected ${spec.args || 'no arguments'}, got ${args.length ? args.join(' ') : 'none'}\n\n${usage(command)}`);
  }
  if (flags.seed !== undefined && !/^-?\d+$/.test(String(flags.seed))) throw new UsageError(`--seed must be an integer, got "${flags.seed}"`);
  if (flags.path !== undefined && flags.seed === undefined) throw new UsageError('--path only makes sense with --seed');
  return { command, args, flags };
}
