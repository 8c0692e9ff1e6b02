/**
 * Spawning processes that load the kata under test: crash runners, servers, worker scripts.
 * The child gets the same `#kata/...` resolution (stub, solution or mutant) as the spec.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// One preload registers TypeScript support and the target resolution; it works for processes and
// for worker threads alike.
const register = fileURLToPath(new URL('../../grader/register.mjs', import.meta.url));

/** Node flags that load TypeScript and resolve `#kata/...` to the current target. */
export function loaderFlags(): string[] {
  return ['--import', register];
}

/** `execArgv` for a worker_threads Worker that imports the code under test. */
export const workerExecArgv = loaderFlags;

/** Arguments for `process.execPath` that run a TypeScript file against the current target. */
export function nodeArgs(script: string | URL, args: string[] = []): string[] {
  const file = script instanceof URL ? fileURLToPath(script) : script;
  return [...loaderFlags(), file, ...args];
}

/** Spawns `node` directly (no shell) on a TypeScript file with the current target. */
export function spawnTarget(script: string | URL, args: string[] = [], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, nodeArgs(script, args), { stdio: ['ignore', 'pipe', 'pipe'], ...options, env: { ...process.env, ...options.env } });
}
