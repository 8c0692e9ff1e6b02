/**
 * Child workload for the SIGKILL tests: opens the store in <dir> on the real disk (recovering what
 * the test or an earlier run left: committed work not in the pages, stolen pages of transactions
 * that never finished), then runs the bank plan drawn from <knobs> until killed: transfers that
 * commit or abort, transfers left running and finished later, page flushes and checkpoints. A
 * transfer is acknowledged on the ack channel as `<n>:<from>:<to>:<amount>` only after its
 * commit() resolved.
 *   argv: <dir> <knobs as JSON>
 */
import { openStore } from '#kata/crash-recovery';
import { ack, ready } from '#support/sigkill';
import { plan, runSteps, transferId, type Knobs } from './transfers.ts';

const [dir, raw] = process.argv.slice(2);
if (!dir || !raw) throw new Error('usage: kill-child.ts <dir> <knobs as JSON>');
const knobs = JSON.parse(raw) as Knobs;

ready(); // a kill delay counts from here, so short delays land inside openStore's recovery
const store = await openStore(dir, { pageSize: knobs.pageSize, pages: knobs.pages });
ack('open');
await runSteps(store, knobs, plan(knobs), (t) => ack(transferId(t)));
