/** Loads and validates the manifest; finds katas by slug with a did-you-mean. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KataDef } from './define.ts';
import { ManifestError, UnknownKataError } from './errors.ts';

export interface Catalog {
  /** The workbook folder: manifest.ts, katas/, solutions/, spec/. */
  root: string;
  katas: KataDef[];
}

const SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export async function loadCatalog(root: string): Promise<Catalog> {
  const file = path.join(root, 'manifest.ts');
  if (!existsSync(file)) throw new ManifestError(`not found in ${root}`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  const katas = mod.default;
  if (!Array.isArray(katas)) throw new ManifestError('must `export default defineKatas([...])`');
  validate(katas as KataDef[]);
  return { root, katas: katas as KataDef[] };
}

function validate(katas: KataDef[]): void {
  const seen = new Set<string>();
  for (const [i, k] of katas.entries()) {
    const where = `kata #${i + 1} (${k?.slug ?? '?'})`;
    if (!k || typeof k.slug !== 'string' || !SLUG.test(k.slug)) throw new ManifestError(`${where}: slug must be kebab-case`);
    if (seen.has(k.slug)) throw new ManifestError(`${where}: slug listed twice`);
    seen.add(k.slug);
    if (!k.title || !k.summary) throw new ManifestError(`${where}: needs a title and a summary`);
    if (!Array.isArray(k.stages) || k.stages.length === 0) throw new ManifestError(`${where}: needs at least one stage`);
    if (!Array.isArray(k.mutants)) throw new ManifestError(`${where}: mutants must be a list (may be empty while drafting)`);
    const names = new Set<string>();
    for (const m of k.mutants) {
      if (!m.name || !SLUG.test(m.name)) throw new ManifestError(`${where}: mutant name "${m.name}" must be kebab-case`);
      if (names.has(m.name)) throw new ManifestError(`${where}: mutant "${m.name}" listed twice`);
      names.add(m.name);
      if (!m.file || typeof m.find !== 'string' || typeof m.replace !== 'string' || !m.find) {
        throw new ManifestError(`${where}: mutant "${m.name}" needs file, find and replace`);
      }
      if (m.find === m.replace) throw new ManifestError(`${where}: mutant "${m.name}" replaces its text with itself`);
    }
  }
}

/** Edit distance, for suggestions. */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function suggest(name: string, candidates: string[]): string[] {
  const scored = candidates
    .map((c) => ({ c, d: c.includes(name) || name.includes(c) ? 1 : distance(name, c) }))
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)))
    .sort((x, y) => x.d - y.d);
  return scored.slice(0, 2).map((s) => s.c);
}

export function findKata(catalog: Catalog, slug: string): KataDef {
  const kata = catalog.katas.find((k) => k.slug === slug);
  if (!kata) throw new UnknownKataError(slug, suggest(slug, catalog.katas.map((k) => k.slug)));
  return kata;
}

/** Paths of a kata's parts. */
export function kataPaths(catalog: Catalog, slug: string) {
  const r = catalog.root;
  return {
    stubDir: path.join(r, 'katas', slug),
    solutionDir: path.join(r, 'solutions', slug),
    specDir: path.join(r, 'spec', slug),
    readme: path.join(r, 'katas', slug, 'README.md'),
    hints: path.join(r, 'katas', slug, 'HINTS.md'),
    bench: path.join(r, 'spec', slug, 'bench.ts'),
    experiment: path.join(r, 'spec', slug, 'experiment.ts'),
  };
}
