/** `npm run ui`, `npm run bench <kata>` and `npm run experiment <kata>`: hand the terminal to a child. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findKata, kataPaths, type Catalog } from '../catalog.ts';
import { GraderError } from '../errors.ts';
import { GRADER_HOME } from '../runner.ts';
import { targetEnv } from '../target.ts';

function inherit(args: string[], env: object, cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env }, cwd });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export function ui(catalog: Catalog, slug?: string): Promise<number> {
  const filter = slug ? [`spec/${findKata(catalog, slug).slug}/`] : [];
  const vitest = path.join(GRADER_HOME, 'node_modules', 'vitest', 'vitest.mjs');
  // Open a browser only where there is a desktop to open it on; elsewhere vitest prints the URL.
  const desktop = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const args = [vitest, '--ui', `--open=${desktop}`, '--config', path.join(GRADER_HOME, 'vitest.config.ts'), ...filter];
  return inherit(args, targetEnv(catalog.root, 'stub'), catalog.root);
}

export function runKataScript(catalog: Catalog, slug: string, which: 'bench' | 'experiment', mine: boolean): Promise<number> {
  const kata = findKata(catalog, slug);
  const file = kataPaths(catalog, kata.slug)[which];
  if (!existsSync(file)) {
    const have = catalog.katas.filter((k) => existsSync(kataPaths(catalog, k.slug)[which])).map((k) => k.slug);
    throw new GraderError(`NO_${which.toUpperCase()}`, `${kata.slug} has no ${which === 'bench' ? 'benchmark' : 'experiment'}. Katas that do: ${have.join(', ') || 'none yet'}.`);
  }
  const register = path.join(GRADER_HOME, 'grader', 'register.mjs');
  const env = targetEnv(catalog.root, mine ? 'stub' : 'solution');
  console.log(`${which === 'bench' ? 'Benchmark' : 'Experiment'}: ${kata.title}, ${mine ? 'your code' : 'the reference solution'}`);
  return inherit(['--import', register, file], env, catalog.root);
}
