/**
 * Child workload for the SIGKILL tests: opens the LogDictionary in <dir> on the real disk
 * (recovering what an earlier run left: a torn tail, a stale compaction file), then runs the op
 * stream of kill-ops.ts until killed. Every put and delete of a LogDictionary is fdatasynced
 * before its promise resolves (there is no weaker setting to turn off), so each op is
 * acknowledged on the ack channel right after its promise resolved, with ackId. The ops run one
 * at a time: op i + 1 starts only after op i resolved and was acknowledged, so when the kill
 * lands at most one op (the first unacknowledged one) is in flight.
 *   argv: <dir> <seed> <compaction: 0|1>
 */
import { LogDictionary } from '#kata/word-dictionary';
import { ack, ready } from '#support/sigkill';
import { ackId, killOps } from './kill-ops.ts';

const [dir, seedRaw, compactionRaw = '0'] = process.argv.slice(2);
if (!dir || !seedRaw) throw new Error('usage: kill-child.ts <dir> <seed> <compaction: 0|1>');

ready(); // a kill delay counts from here, so short delays land inside open's recovery
const dict = await LogDictionary.open(dir);
ack('open');
let i = 0;
for (const o of killOps(Number(seedRaw), compactionRaw === '1')) {
  if (o.op === 'put') {
    await dict.put(o.word, o.meaning);
    ack(ackId(i, o));
  } else if (o.op === 'delete') {
    const existed = await dict.delete(o.word);
    ack(ackId(i, o, existed));
  } else {
    await dict.compact();
    ack(ackId(i, o));
  }
  i++;
}
