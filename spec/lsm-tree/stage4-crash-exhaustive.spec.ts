/**
 * Stage 4: crash safety, exhaustively. Small random workloads (tiny memtables, so they flush and
 * compact) with the power cut at every file-system call, under three write-back policies: nothing
 * unsynced survives, an in-order prefix survives with the last write torn, or everything written
 * survives (a killed process). Every recovery must hold every acknowledged put and delete, bring
 * back no deleted key, accept a write, and give the same answer when opened again. At least 700
 * crash states here; with stage4-crash-random.spec.ts (at least 320) over a thousand per run.
 */
import { describe, expect, it } from 'vitest';
import { withSeed } from '#support/seed';
import { SLOW, SMALL, atLeast, crashAtEveryCall, type Policy } from './crash.ts';
import { randomOps } from './helpers.ts';

const POLICIES: Array<[string, Policy, number]> = [
  // name, policy, crash states to check at least (fresh seeded workloads until there are enough)
  ['power cut, nothing unsynced survives', 'drop', 300],
  ['in-order write-back, last write torn', { unsynced: 'prefix', tear: true }, 200],
  ['process killed, everything written survives', 'keep', 200],
];

describe('stage 4: WAL, flush and crash safety', () => {
  for (const [name, policy, floor] of POLICIES) {
    it(`loses no acknowledged put or delete, whatever call the power goes at, through flushes and compactions (${name})`, SLOW, async () => {
      // An 8-op workload makes 30 to 130 calls (it depends on how often it flushes and compacts):
      // new seeded workloads until the floor is reached. With --seed, the one workload replayed.
      let checked = 0;
      while (checked < atLeast(floor)) {
        await withSeed(async (random) => {
          checked += await crashAtEveryCall(random, randomOps(random, 8, 5, [6, 20]), policy, SMALL);
        });
      }
      expect(checked).toBeGreaterThanOrEqual(atLeast(floor));
    });
  }
});
