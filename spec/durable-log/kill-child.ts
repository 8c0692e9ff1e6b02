/**
 * Child workload for the SIGKILL tests: opens the log in <dir> on the real disk (recovering what
 * an earlier run left), then appends until killed, flushing after every <flushEvery> appends. An
 * append is acknowledged on the ack channel as `<offset>=<value>` only once a flush covering it
 * resolved.
 *   argv: <dir> <tag> <flushEvery> <segmentBytes>
 */
import { openLog } from '#kata/durable-log';
import { ack, ready } from '#support/sigkill';

const [dir, tag = 'x', flushRaw = '1', segmentRaw = '4096'] = process.argv.slice(2);
if (!dir) throw new Error('usage: kill-child.ts <dir> <tag> <flushEvery> <segmentBytes>');

ready(); // a kill delay counts from here, so short delays land inside openLog's recovery
const log = await openLog(dir, { segmentBytes: Number(segmentRaw), indexIntervalBytes: 64 });
ack('open');
const flushEvery = Number(flushRaw);
const pending: string[] = [];
for (let i = 0; ; i++) {
  const value = `${tag}.${i}.${'z'.repeat(i % 53)}`;
  const offset = await log.append({ key: new TextEncoder().encode(`k${i % 5}`), value: new TextEncoder().encode(value), timestamp: BigInt(i) });
  pending.push(`${offset}=${value}`);
  if (pending.length >= flushEvery) {
    await log.flush();
    for (const id of pending.splice(0)) ack(id);
  }
}
