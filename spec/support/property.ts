/**
 * fast-check with the workbook's replay convention: a failing property prints the counterexample,
 * the seed and the `npm run ...` command that runs exactly that case again.
 */
import fc from 'fast-check';
import { replayCommand, replaySeed } from './replay.ts';

export { fc };

export class PropertyFailure extends Error {
  readonly code = 'PROPERTY_FAILED';
  constructor(message: string, readonly seed: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'PropertyFailure';
  }
}

/** `fc.assert` that honours `--seed` / `--path` and prints a replay command on failure. */
export async function checkProperty<Ts>(
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  params: fc.Parameters<Ts> = {},
): Promise<void> {
  const seed = replaySeed() ?? params.seed ?? (Math.random() * 0x7fffffff) | 0;
  const path = process.env.KATA_FC_PATH || params.path;
  const details = await fc.check(property as fc.IAsyncProperty<Ts>, { ...params, seed, path });
  if (!details.failed) return;
  const report = fc.defaultReportMessage(details) ?? 'property failed';
  const extra = details.counterexamplePath ? ['--path', details.counterexamplePath] : [];
  throw new PropertyFailure(`${report}\n\nseed: ${seed}\nreplay: ${replayCommand(seed, extra)}`, seed, details.errorInstance);
}
