/**
 * The messages between the pool (main thread) and its worker bootstrap (worker.ts), and how errors
 * cross the thread boundary. The types are a suggestion: change them if you like, the spec only
 * sees ThreadPool.
 *
 *   main → worker   { type: 'run', id, input }            (input's buffers in the transfer list)
 *   worker → main   { type: 'ready' }                      once, after the task module loaded
 *                   { type: 'result', id, ok: true, value }
 *                   { type: 'result', id, ok: false, error: WireError }
 */
import { todo } from '../not-implemented.ts';

export interface WorkerData {
  /** The task module as a file: URL (what `import()` takes on every platform). */
  filename: string;
}

export interface RunMessage {
  type: 'run';
  id: number;
  input: unknown;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: WireError };

/**
 * A thrown value on the wire. Structured clone keeps an Error's message and stack, but turns a
 * custom `name` ("ValidationError") into "Error" and drops own fields such as `code`. So an Error
 * travels as plain fields and is rebuilt on the other side; anything else thrown travels as is.
 */
export type WireError =
  | { kind: 'error'; name: string; message: string; stack: string | undefined; props: Record<string, unknown> }
  | { kind: 'value'; value: unknown };

/**
 * Worker side: what was thrown → something postMessage can always send.
 * - an Error: name, message, stack, and its own enumerable fields (`code`, ...) but only those
 *   that can be cloned (try `structuredClone(v)`): a function-valued field must not cost the
 *   whole error;
 * - any other cloneable value: as it is (`throw 'boom'` rejects with 'boom');
 * - an uncloneable value: an Error saying so.
 */
export function serializeError(err: unknown): WireError {
  return todo('thread-pool', 'serializeError');
}

/** Main side: the wire form back to an Error with the same name, message, stack and fields. */
export function reviveError(wire: WireError): unknown {
  return todo('thread-pool', 'reviveError');
}
