/**
 * Which implementation a spec runs against. The grader chooses; specs never know.
 *
 * Specs import `#kata/<slug>` (or `#kata/<slug>/<module>`). The vitest plugin and the Node hook for
 * child processes both call `resolveKataImport`, so the spec and every process it spawns load the
 * same target. The choice travels in environment variables, which child processes inherit.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export type TargetKind = 'stub' | 'solution' | 'mutant';

export interface MutantPatch {
  slug: string;
  name: string;
  /** Absolute path of the solution file to patch. */
  file: string;
  find: string;
  replace: string;
}

export interface TargetEnv {
  KATA_WORKBOOK: string;
  KATA_TARGET: TargetKind;
  KATA_MUTANT?: string;
}

export const KATA_PREFIX = '#kata/';

export function targetEnv(workbook: string, kind: TargetKind, mutant?: MutantPatch): TargetEnv {
  const env: TargetEnv = { KATA_WORKBOOK: path.resolve(workbook), KATA_TARGET: kind };
  if (kind === 'mutant') {
    if (!mutant) throw new Error('a mutant target needs its patch');
    env.KATA_MUTANT = JSON.stringify(mutant);
  }
  return env;
}

export interface ResolvedTarget {
  workbook: string;
  kind: TargetKind;
  mutant?: MutantPatch;
}

/** Reads the target from the environment; the learner's stubs are the default. */
export function currentTarget(env: NodeJS.ProcessEnv = process.env, fallbackRoot = process.cwd()): ResolvedTarget {
  const kind = (env.KATA_TARGET ?? 'stub') as TargetKind;
  if (kind !== 'stub' && kind !== 'solution' && kind !== 'mutant') {
    throw new Error(`KATA_TARGET must be stub, solution or mutant, not "${kind}"`);
  }
  const workbook = path.resolve(env.KATA_WORKBOOK ?? fallbackRoot);
  const mutant = kind === 'mutant' ? (JSON.parse(env.KATA_MUTANT ?? 'null') as MutantPatch | null) : undefined;
  if (kind === 'mutant' && !mutant) throw new Error('KATA_TARGET=mutant needs KATA_MUTANT');
  return { workbook, kind, mutant: mutant ?? undefined };
}

/** The folder that holds the code under test for this target. */
export function targetDir(target: ResolvedTarget): string {
  return path.join(target.workbook, target.kind === 'stub' ? 'katas' : 'solutions');
}

/**
 * Maps `#kata/<slug>[/<module>]` to a file. Returns undefined for any other specifier.
 * `<module>` may name `foo` (foo.ts or foo/index.ts) or a file with its extension.
 */
export function resolveKataImport(specifier: string, target: ResolvedTarget): string | undefined {
  if (!specifier.startsWith(KATA_PREFIX)) return undefined;
  const rest = specifier.slice(KATA_PREFIX.length);
  const [slug, ...sub] = rest.split('/');
  if (!slug) throw new Error(`"${specifier}" names no kata`);
  const base = path.join(targetDir(target), slug, ...(sub.length ? sub : ['index']));
  const candidates = path.extname(base) ? [base] : [`${base}.ts`, path.join(base, 'index.ts'), `${base}.js`];
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new Error(`"${specifier}" does not resolve for target ${target.kind}: none of ${candidates.join(', ')} exists`);
}

/** Applies the mutant's replacement to a solution file's source; other files pass through. */
export function applyMutant(file: string, source: string, target: ResolvedTarget): string {
  const m = target.mutant;
  if (target.kind !== 'mutant' || !m || path.resolve(file) !== path.resolve(m.file)) return source;
  const count = source.split(m.find).length - 1;
  if (count !== 1) {
    throw new Error(
      `mutant ${m.slug}/${m.name}: expected its "find" text exactly once in ${m.file}, found it ${count} times. ` +
        'Update the mutant in manifest.ts to match the solution.',
    );
  }
  return source.replace(m.find, () => m.replace);
}

/** Strips a `?query` or `#hash` vite may add to a module id. */
export function cleanId(id: string): string {
  return id.replace(/[?#].*$/, '');
}
