/**
 * Child workload for the SIGKILL tests: opens the log in <dir> on the real disk (repairing a torn
 * tail the parent left), then appends until killed. Each append is acknowledged on the ack channel
 * only after its promise resolved, as `<lsn>=<payload>`.
 *   argv: <dir> <tag> <sync: always|batch> <writers> <segmentBytes>
 */
import { openWal } from '#kata/wal';
import { ack, ready } from '#support/sigkill';

const [dir, tag = 'x', sync = 'always', writersRaw = '1', segmentRaw = '4096'] = process.argv.slice(2);
if (!dir) throw new Error('usage: kill-child.ts <dir> <tag> <always|batch> <writers> <segmentBytes>');

ready(); // a kill delay counts from here, so short delays land inside openWal's repair
const wal = await openWal(dir, { sync: sync as 'always' | 'batch', segmentBytes: Number(segmentRaw) });
ack('open');
let i = 0;
await Promise.all(
  Array.from({ length: Number(writersRaw) }, async () => {
    for (;;) {
      const text = `${tag}.${i++}.${'z'.repeat(i % 61)}`;
      const lsn = await wal.append(new TextEncoder().encode(text));
      ack(`${lsn}=${text}`);
    }
  }),
);
