/**
 * The deterministic op stream of the SIGKILL test: the child runs it, the parent rebuilds the state
 * after any prefix of it. Op i touches key k(7i mod 40); every fifth op deletes it.
 */
export const STREAM_KEYS = 40;
/** The child merges after every this many ops, so some kills land inside a merge. */
export const MERGE_EVERY = 25;
/** Small files, so the stream rolls over to a new data file every dozen ops or so. */
export const STREAM_MAX_FILE_BYTES = 512;

export type StreamOp = { op: 'put'; key: string; value: string } | { op: 'del'; key: string };

export function streamOp(i: number): StreamOp {
  const key = `k${(i * 7) % STREAM_KEYS}`;
  return i % 5 === 4 ? { op: 'del', key } : { op: 'put', key, value: `v${i}` };
}

/** The store's content after the first n ops of the stream. */
export function streamState(n: number): Map<string, string> {
  const state = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const o = streamOp(i);
    if (o.op === 'put') state.set(o.key, o.value);
    else state.delete(o.key);
  }
  return state;
}
