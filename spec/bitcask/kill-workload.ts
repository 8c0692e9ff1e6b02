/**
 * Child process of the stage 6 spec, run against the kata target (stub, solution or mutant).
 *   argv: <dir> stream   opens the store (sync 'always'), calls ready(), then runs the op stream of
 *                        stream.ts forever, ack(i) after op i resolved, merging every MERGE_EVERY ops
 *   argv: <dir> hold     opens the store, prints "ready" on stdout and waits to be killed
 */
import { openBitcask } from '#kata/bitcask';
import { ack, ready } from '#support/sigkill';
import { MERGE_EVERY, STREAM_MAX_FILE_BYTES, streamOp } from './stream.ts';

const [dir, mode] = process.argv.slice(2);
if (!dir || (mode !== 'stream' && mode !== 'hold')) throw new Error('usage: kill-workload.ts <dir> <stream|hold>');

const db = await openBitcask(dir, { maxFileBytes: STREAM_MAX_FILE_BYTES, sync: 'always' });
if (mode === 'hold') {
  process.stdout.write('ready\n');
  setInterval(() => {}, 1000); // holds the store (and its LOCK) until killed
} else {
  ready();
  for (let i = 0; ; i++) {
    const o = streamOp(i);
    if (o.op === 'put') await db.put(o.key, o.value);
    else await db.delete(o.key);
    ack(i);
    if (i % MERGE_EVERY === MERGE_EVERY - 1) await db.merge();
  }
}
