/**
 * Node module hooks for processes that specs spawn (crash runners, servers, workers): the same
 * `#kata/...` resolution and mutant patching as the vitest plugin. Registered by register.mjs.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LoadHook, ResolveHook } from 'node:module';
import { transform } from 'esbuild';
import { applyMutant, currentTarget, resolveKataImport } from './target.ts';

const target = currentTarget();

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const file = resolveKataImport(specifier, target);
  // Hand the file URL on so tsx still marks it as TypeScript.
  if (file) return nextResolve(pathToFileURL(file).href, context);
  return nextResolve(specifier, context);
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (target.kind === 'mutant' && url.startsWith('file:')) {
    const file = fileURLToPath(url);
    if (target.mutant && file === target.mutant.file) {
      const patched = applyMutant(file, await readFile(file, 'utf8'), target);
      // These hooks run before tsx's, so the patched TypeScript is compiled here.
      const { code } = await transform(patched, { loader: 'ts', format: 'esm', sourcefile: file, target: 'node20' });
      return { format: 'module', source: code, shortCircuit: true };
    }
  }
  return nextLoad(url, context);
};
