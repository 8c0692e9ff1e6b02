/**
 * The worker bootstrap: every thread of the pool runs this file. It loads the task module, says
 * "ready", then runs one task per 'run' message and answers with its result or its error.
 */
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import { serializeError, type RunMessage, type WorkerData, type WorkerMessage } from './protocol.ts';
import { Transfer } from './transfer.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts is the thread pool\'s worker bootstrap: start it with new Worker(), not directly');

const { filename } = workerData as WorkerData;
// A module that fails to load throws here, uncaught: the worker dies before "ready", and the pool
// fails the task it handed to this worker with WorkerCrashedError (cause: this error).
const mod = (await import(filename)) as { default?: unknown };
const task = mod.default;
if (typeof task !== 'function') {
  throw new TypeError(`${filename} has no default export function: write \`export default function (input) { ... }\``);
}

port.on('message', async (msg: RunMessage) => {
  let reply: WorkerMessage;
  let transferList: readonly TransferListItem[] = [];
  try {
    let value: unknown = await task(msg.input);
    if (value instanceof Transfer) {
      transferList = value.transferList;
      value = value.value;
    }
    reply = { type: 'result', id: msg.id, ok: true, value };
  } catch (err) {
    reply = { type: 'result', id: msg.id, ok: false, error: serializeError(err) };
  }
  try {
    port.postMessage(reply, transferList);
  } catch (err) {
    // The result itself cannot be cloned (a function, a socket...): that is the task's error.
    port.postMessage({ type: 'result', id: msg.id, ok: false, error: serializeError(err) } satisfies WorkerMessage);
  }
});

port.postMessage({ type: 'ready' } satisfies WorkerMessage);
