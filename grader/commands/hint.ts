/** `npm run hint <kata> [level]`: hints from katas/<slug>/HINTS.md, one level at a time. */
import { existsSync, readFileSync } from 'node:fs';
import { findKata, kataPaths, type Catalog } from '../catalog.ts';
import { UsageError } from '../errors.ts';
import { c } from '../output.ts';
import { loadProgress, updateProgress } from '../progress.ts';

/** The "## Hint N" sections of a HINTS.md, in order. */
export function hintLevels(markdown: string): string[] {
  const parts = markdown.split(/^## Hint \d+.*$/m);
  return parts.slice(1).map((p) => p.trim());
}

export function hint(catalog: Catalog, slug: string, level?: string): number {
  const kata = findKata(catalog, slug);
  const file = kataPaths(catalog, kata.slug).hints;
  if (!existsSync(file)) throw new UsageError(`${kata.slug} has no hints yet (katas/${kata.slug}/HINTS.md is missing).`);
  const levels = hintLevels(readFileSync(file, 'utf8'));
  const seen = loadProgress(catalog.root)[kata.slug]?.hintsSeen ?? 0;
  let n: number;
  if (level === undefined) n = Math.min(seen + 1, levels.length);
  else {
    n = Number(level);
    if (!Number.isInteger(n) || n < 1 || n > levels.length) throw new UsageError(`${kata.slug} has hints 1 to ${levels.length}; "${level}" is not one of them.`);
  }
  console.log(`${c.bold(`${kata.title} — hint ${n} of ${levels.length}`)}\n`);
  console.log(levels[n - 1]);
  if (n > seen) updateProgress(catalog.root, kata.slug, { hintsSeen: n });
  if (n < levels.length) console.log(c.dim(`\nA stronger hint: npm run hint ${kata.slug} ${n + 1}`));
  else console.log(c.dim(`\nThat was the last hint. The reference is one step further: npm run solution -- ${kata.slug} --diff`));
  return 0;
}
