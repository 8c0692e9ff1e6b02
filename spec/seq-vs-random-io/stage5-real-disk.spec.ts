/**
 * Stage 5: the real disk. One small run of 4 KiB reads over a 4 MiB file under os.tmpdir(), its
 * pages dropped from the cache before each measurement where that works (GNU dd iflag=nocache:
 * posix_fadvise DONTNEED, which Node does not offer). Asserted: the mechanics on a real file
 * system (exact bytes, numbers consistent with each other, the file removed) and the physical
 * ordering counted as seeks: one for the sequential plan, one per access for the random plan.
 *
 * Not asserted: that sequential is faster. On an idle machine a cold 4 KiB sequential read here is
 * 3 to 30 times faster than a random one, but on a machine loaded several times over, a sequential
 * run (CPU-bound: a thread-pool round trip per read) can lose to a random one (IO-bound), and a
 * test must not flake. `npm run experiment seq-vs-random-io` measures the timing claim properly.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countSeeks, planAccesses, runCase, type CaseResult } from '#kata/seq-vs-random-io';
import { dropCache } from './helpers.ts';

const B = 4096;
const FILE_BYTES = 4 * 1024 * 1024;
const OPS = 256;

function expectClose(got: number, want: number, what: string): void {
  expect(Math.abs(got / want - 1), `${what}: ${got} vs ${want}`).toBeLessThan(1e-9);
}

describe('stage 5: the real disk', () => {
  it('4 KiB reads of a cold-ish real file: exact bytes, consistent numbers, one seek sequentially and one per access at random', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seq-vs-random-'));
    try {
      const rows: CaseResult[] = [];
      for (const pattern of ['sequential', 'random'] as const) {
        const seed = 77;
        let cold = false;
        const r = await runCase({
          dir,
          mode: 'read',
          pattern,
          blockBytes: B,
          fileBytes: FILE_BYTES,
          ops: OPS,
          fsync: 'none',
          seed,
          beforeMeasure: (file) => {
            expect(statSync(file).size, 'the file is prepared before beforeMeasure').toBe(FILE_BYTES);
            cold = dropCache(file);
          },
        });
        expect(r.file).toBe(path.join(dir, 'io-bench.dat'));
        expect(existsSync(r.file), `${pattern}: the file is removed`).toBe(false);
        expect(r).toMatchObject({ mode: 'read', pattern, blockBytes: B, fileBytes: FILE_BYTES, fsync: 'none', seed, ops: OPS, bytes: OPS * B });
        expect(r.seconds).toBeGreaterThan(0);
        expectClose(r.mbPerSec, r.bytes / 1e6 / r.seconds, `${pattern}: MB/s`);
        expectClose(r.iops, OPS / r.seconds, `${pattern}: IOPS`);
        expect(r.latencies.p50).toBeGreaterThan(0);
        expect(r.latencies.p50).toBeLessThanOrEqual(r.latencies.p99);
        expect(r.latencies.p50, `${pattern}: p50 is one access, not the whole run`).toBeLessThan(r.seconds * 1e6);
        const plan = planAccesses({ fileBytes: FILE_BYTES, blockBytes: B, pattern, ops: OPS, seed });
        expect(r.seeks).toBe(countSeeks(plan, B));
        if (!cold) console.log(`seq-vs-random-io: the page cache could not be dropped under ${dir} (tmpfs, or no GNU dd): the reads came from memory`);
        rows.push(r);
      }
      const [seq, rnd] = rows as [CaseResult, CaseResult];
      expect(seq.seeks, 'sequential: one seek, then the head just moves on').toBe(1);
      expect(rnd.seeks, 'random: a seek for nearly every access').toBeGreaterThan(0.9 * OPS);
      console.log(`seq-vs-random-io: 4 KiB reads, sequential ${seq.mbPerSec.toFixed(1)} MB/s vs random ${rnd.mbPerSec.toFixed(1)} MB/s (${(seq.mbPerSec / rnd.mbPerSec).toFixed(2)}×, not asserted)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
