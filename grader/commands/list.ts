/** `npm run list` and `npm run next`. */
import { TRACK_TITLES, type Track } from '../define.ts';
import type { Catalog } from '../catalog.ts';
import { c, table } from '../output.ts';
import { loadProgress } from '../progress.ts';

function stars(n: number): string {
  return '★'.repeat(n) + c.dim('☆'.repeat(5 - n));
}

export function list(catalog: Catalog): number {
  const progress = loadProgress(catalog.root);
  const tracks = [...new Set(catalog.katas.map((k) => k.track))] as Track[];
  let i = 0;
  for (const track of tracks) {
    console.log(`\n${c.bold(TRACK_TITLES[track])}`);
    const rows = catalog.katas
      .filter((k) => k.track === track)
      .map((k) => {
        i++;
        const p = progress[k.slug];
        const state = !p ? c.dim('not graded') : p.done ? c.green('done') : p.passed ? c.yellow(`stage ${p.stage}/${k.stages.length}, ${p.passed}/${p.total}`) : c.dim('not started');
        return [String(i).padStart(2), k.slug, stars(k.difficulty), state, c.dim(k.summary) + (k.services?.length ? c.cyan(` [needs ${k.services.join(', ')}]`) : '')];
      });
    console.log(table(['#', 'kata', 'difficulty', 'progress', 'what you build'], rows));
  }
  console.log(c.dim('\nStart one: read katas/<kata>/README.md, then `npm run grade <kata>`.'));
  return 0;
}

export function next(catalog: Catalog): number {
  const progress = loadProgress(catalog.root);
  const kata = catalog.katas.find((k) => !progress[k.slug]?.done);
  if (!kata) {
    console.log(c.green('Every kata is done. Run `npm run grade` to confirm.'));
    return 0;
  }
  const p = progress[kata.slug];
  const stage = p?.stage ?? 0;
  console.log(`${c.bold(kata.title)} ${c.dim(`(${kata.slug}, ${TRACK_TITLES[kata.track]})`)}`);
  console.log(kata.summary);
  console.log(`\nStages: ${kata.stages.map((s, i) => (i < stage ? c.green(`${i + 1}. ${s}`) : i === stage ? c.bold(`${i + 1}. ${s}`) : c.dim(`${i + 1}. ${s}`))).join('  ')}`);
  console.log(`\n  read      katas/${kata.slug}/README.md`);
  console.log(`  edit      katas/${kata.slug}/index.ts`);
  console.log(`  grade     npm run grade ${kata.slug}`);
  console.log(`  hint      npm run hint ${kata.slug}`);
  if (kata.services?.length) console.log(c.cyan(`  needs     ${kata.services.join(', ')} (see README.md, "Real servers")`));
  return 0;
}
