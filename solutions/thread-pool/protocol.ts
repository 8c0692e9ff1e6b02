/**
 * The messages between the pool (main thread) and its worker bootstrap, and how errors cross the
 * thread boundary.
 *
 *   main → worker   { type: 'run', id, input }            (input's buffers in the transfer list)
 *   worker → main   { type: 'ready' }                      once, after the task module loaded
 *                   { type: 'result', id, ok: true, value }
 *                   { type: 'result', id, ok: false, error: WireError }
 */

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
 * A thrown value on the wire. Structured clone keeps an Error's message and stack but turns a
 * custom `name` into "Error" and drops own properties such as `code`, so errors travel as plain
 * fields and are rebuilt on the other side. Anything else that was thrown travels as it is.
 */
export type WireError =
  | { kind: 'error'; name: string; message: string; stack: string | undefined; props: Record<string, unknown> }
  | { kind: 'value'; value: unknown };

function cloneable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

/** Worker side: a thrown value to something postMessage can always send. */
export function serializeError(err: unknown): WireError {
  if (err instanceof Error) {
    const props: Record<string, unknown> = {};
    // Own enumerable fields (`code`, `errno`, `status`, ...), but only those that survive a clone:
    // one function-valued field must not cost the learner the whole error.
    for (const [k, v] of Object.entries(err)) if (cloneable(v)) props[k] = v;
    return { kind: 'error', name: err.name, message: err.message, stack: err.stack, props };
  }
  if (cloneable(err)) return { kind: 'value', value: err };
  return serializeError(new Error(`the task threw a value that cannot be cloned: ${String(err)}`));
}

/** Main side: the wire form back to what the task threw. */
export function reviveError(wire: WireError): unknown {
  if (wire.kind === 'value') return wire.value;
  const err = new Error(wire.message);
  Object.assign(err, wire.props);
  err.name = wire.name;
  // The worker's stack says where the task threw, which is what a reader of the rejection wants.
  if (wire.stack !== undefined) err.stack = wire.stack;
  return err;
}
