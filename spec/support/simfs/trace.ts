/** The op trace: one line per call, crash and corruption, for failure messages and determinism checks. */

export interface TraceEntry {
  readonly seq: number;
  readonly epoch: number;
  readonly op: string;
  /** Path (and descriptor) the call was about. */
  readonly target: string;
  /** Offsets, lengths, flags. */
  readonly detail: string;
  /** `→ 33`, `ok`, `✗ EIO (injected)`, `✗ crash (armed: ...)`. */
  readonly outcome: string;
}

export function formatEntry(e: TraceEntry): string {
  const parts = [`#${e.seq}`, `e${e.epoch}`, e.op];
  if (e.target) parts.push(e.target);
  if (e.detail) parts.push(e.detail);
  return `${parts.join(' ')} → ${e.outcome}`;
}

export function formatTrace(entries: readonly TraceEntry[]): string {
  return entries.map(formatEntry).join('\n');
}
