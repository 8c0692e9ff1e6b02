/** Vite plugin: resolves `#kata/...` to the chosen target and applies a mutant's patch on load. */
import type { Plugin } from 'vite';
import { applyMutant, cleanId, currentTarget, resolveKataImport } from './target.ts';

export function kataTarget(fallbackRoot: string): Plugin {
  const target = currentTarget(process.env, fallbackRoot);
  return {
    name: 'kata-target',
    enforce: 'pre',
    resolveId(id) {
      return resolveKataImport(id, target) ?? null;
    },
    transform(code, id) {
      if (target.kind !== 'mutant') return null;
      const patched = applyMutant(cleanId(id), code, target);
      return patched === code ? null : { code: patched, map: null };
    },
  };
}
