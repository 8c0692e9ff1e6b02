/**
 * Maintainers' shortcut while writing a kata: `npx tsx grader/try.ts <slug> <stub|solution|mutant-name>`
 * runs the kata's spec with vitest's own output against one target.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import manifest from '../manifest.ts';
import { targetEnv } from './target.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const [slug, which = 'solution', ...rest] = process.argv.slice(2);
const kata = manifest.find((k) => k.slug === slug);
if (!kata) {
  console.error(`usage: npx tsx grader/try.ts <slug> <stub|solution|mutant-name>; katas: ${manifest.map((k) => k.slug).join(', ')}`);
  process.exit(2);
}
let env;
if (which === 'stub' || which === 'solution') env = targetEnv(root, which);
else {
  const m = kata.mutants.find((x) => x.name === which);
  if (!m) {
    console.error(`no mutant "${which}" in ${slug}; mutants: ${kata.mutants.map((x) => x.name).join(', ') || 'none'}`);
    process.exit(2);
  }
  env = targetEnv(root, 'mutant', { slug: kata.slug, name: m.name, file: path.join(root, 'solutions', kata.slug, m.file), find: m.find, replace: m.replace });
}
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--config', path.join(root, 'vitest.config.ts'), `spec/${kata.slug}/`, ...rest], {
  stdio: 'inherit',
  env: { ...process.env, ...env },
  cwd: root,
});
process.exit(r.status ?? 1);
