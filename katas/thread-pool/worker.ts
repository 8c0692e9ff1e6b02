/**
 * The worker bootstrap: every thread of the pool runs this file (`new Worker(new URL('./worker.ts',
 * import.meta.url), { workerData, execArgv })`). It is yours to write. What it must do:
 *
 *  1. read the task module's URL from `workerData` and `await import()` it; its default export is
 *     the task: `(input) => output | Promise<output>`. If the module fails to load, or has no
 *     default export function, let the error escape (throw): the worker dies before it is ready,
 *     and the pool fails the task it handed to this worker with WorkerCrashedError.
 *  2. listen on `parentPort` for 'run' messages. For each: call the task with the input, await it,
 *     and post back `{ type: 'result', id, ok: true, value }`. If the value is a `Transfer`
 *     (./transfer.ts), post `value.value` with `value.transferList` as the transfer list.
 *  3. if the task throws or rejects, post `{ ok: false, error: serializeError(err) }` (see
 *     protocol.ts): a thrown error is NOT a crash, this worker keeps serving.
 *  4. postMessage itself can throw (a result holding a function: DataCloneError): catch that and
 *     post it as the task's error instead.
 *  5. once listening, post `{ type: 'ready' }`: the pool starts a task's time limit only then.
 *
 * A worker runs one task at a time (the pool never sends a second before the first answered).
 */
import { todo } from '../not-implemented.ts';

// TODO: the bootstrap, as above. Useful: `import { parentPort, workerData } from 'node:worker_threads'`.
todo('thread-pool', 'the worker bootstrap (worker.ts)');
