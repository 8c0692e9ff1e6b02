/**
 * SIGKILL runs: a real child process runs a workload against a store on the real disk and
 * acknowledges each durable write on a separate channel (fd 3), only after the store's promise
 * resolved. The test kills the child with SIGKILL after N acknowledgements or after a seeded
 * delay, waits for it to exit, and gets the acknowledged ids back to check after recovery.
 *
 * A SIGKILL does not lose what the kernel already has, so these runs catch torn writes of real
 * syscalls, stale lock files, acknowledgements given before the write, and recovery that is not
 * idempotent. Power loss (unsynced data lost) is SimFs's job.
 *
 * Parent side: `runAndKill`, `lostAcks`, `assertAckedRecovered`. Child side (in the workload
 * script): `ready()`, `ack(id)`.
 */
import { writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { spawnTarget } from './child.ts';
import type { Random } from './seed.ts';

/** The environment variable that tells the child which descriptor carries acknowledgements. */
export const ACK_FD_ENV = 'KATA_ACK_FD';

export interface KillOptions {
  /** The workload script (TypeScript), run with the current kata target via spawnTarget. */
  script: string | URL;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Kill once this many acknowledgements have arrived. */
  afterAcks?: number;
  /**
   * Or kill this many ms after the child's first message (its `ready()` or first `ack`); a
   * [min, max] range is drawn from `random`.
   */
  afterMs?: number | readonly [number, number];
  random?: Random;
  /** Hard limit for the whole run (default 15 s): the child is killed and the run fails. */
  timeoutMs?: number;
}

export interface KillResult {
  /** Acknowledged ids, in the order the child sent them (all of them, also any sent after the kill order). */
  acked: string[];
  /** True when the child died of our SIGKILL; false when it finished its workload first. */
  killed: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The drawn delay, with `afterMs`. */
  delayMs?: number;
  pid: number;
  stdout: string;
  stderr: string;
}

export class WorkloadError extends Error {
  readonly code = 'WORKLOAD_FAILED';
  constructor(
    message: string,
    /** The child's pid (it has exited by the time this is thrown). */
    readonly pid: number,
  ) {
    super(message);
    this.name = 'WorkloadError';
  }
}

const TAIL = 8 * 1024;
const tail = (s: string) => (s.length > TAIL ? `…${s.slice(-TAIL)}` : s);

/** Runs the workload in a child and SIGKILLs it at the chosen point. Never leaves the child running. */
export async function runAndKill(options: KillOptions): Promise<KillResult> {
  const { afterAcks, afterMs } = options;
  if ((afterAcks === undefined) === (afterMs === undefined)) throw new TypeError('runAndKill: give exactly one of afterAcks or afterMs');
  if (afterAcks !== undefined && !(Number.isInteger(afterAcks) && afterAcks >= 1)) throw new RangeError(`runAndKill: afterAcks must be an integer >= 1`);
  let delayMs: number | undefined;
  if (afterMs !== undefined) {
    if (typeof afterMs === 'number') delayMs = afterMs;
    else if (!options.random) throw new TypeError('runAndKill: a delay range needs `random` (from forEachSeed / withSeed)');
    else delayMs = options.random.int(afterMs[0], afterMs[1]);
  }
  const timeoutMs = options.timeoutMs ?? 15_000;

  const child = spawnTarget(options.script, options.args ?? [], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...options.env, [ACK_FD_ENV]: '3' },
  });
  const acked: string[] = [];
  let stdout = '';
  let stderr = '';
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = () => {
    if (alive()) child.kill('SIGKILL');
  };
  const startDelay = () => {
    if (delayMs !== undefined && timer === undefined) timer = setTimeout(kill, delayMs);
  };

  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout = tail(stdout + s)));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = tail(stderr + s)));
  (child.stdio[3] as Readable).setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') startDelay();
      else if (line.startsWith('ack ')) {
        acked.push(line.slice(4));
        startDelay();
        if (afterAcks !== undefined && acked.length >= afterAcks) kill();
      }
    }
  });
  const deadline = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);

  try {
    const { code, signal } = await closed;
    const result: KillResult = { acked, killed: signal === 'SIGKILL' && !timedOut, exitCode: code, signal, pid: child.pid ?? -1, stdout, stderr };
    if (delayMs !== undefined) result.delayMs = delayMs;
    if (timedOut) {
      throw new WorkloadError(
        `runAndKill: the workload neither reached ${afterAcks !== undefined ? `${afterAcks} acks` : 'its kill delay'} nor finished within ${timeoutMs} ms ` +
          `(${acked.length} acks). Does it call ack() after each durable write?\nstderr:\n${stderr}`,
        result.pid,
      );
    }
    if (signal === null && code !== 0) {
      throw new WorkloadError(`runAndKill: the workload exited with code ${code} before it was killed (${acked.length} acks)\nstderr:\n${stderr}`, result.pid);
    }
    return result;
  } finally {
    clearTimeout(timer);
    clearTimeout(deadline);
    if (alive()) {
      child.kill('SIGKILL');
      await closed.catch(() => undefined);
    }
  }
}

/** Acknowledged ids missing from what recovery returned, in acknowledgement order. */
export function lostAcks(acked: Iterable<string>, recovered: Iterable<string>): string[] {
  const have = new Set(recovered);
  return [...acked].filter((id) => !have.has(id));
}

export class LostAcksError extends Error {
  readonly code = 'LOST_ACKED_WRITES';
  constructor(
    message: string,
    readonly lost: readonly string[],
  ) {
    super(message);
    this.name = 'LostAcksError';
  }
}

/** Throws LostAcksError when any acknowledged write is missing after recovery. */
export function assertAckedRecovered(result: Pick<KillResult, 'acked' | 'killed' | 'delayMs'>, recovered: Iterable<string>): void {
  const lost = lostAcks(result.acked, recovered);
  if (lost.length === 0) return;
  const how = result.killed ? `killed with SIGKILL${result.delayMs !== undefined ? ` ${result.delayMs} ms after it started` : ''}` : 'after it exited';
  const shown = lost.slice(0, 10).join(', ') + (lost.length > 10 ? `, … (${lost.length - 10} more)` : '');
  throw new LostAcksError(
    `${lost.length} of ${result.acked.length} acknowledged writes are missing after recovery (child ${how}): ${shown}. ` +
      'An acknowledgement must wait until the write is in the kernel (and fsynced, if it must survive power loss).',
    lost,
  );
}

// ---------------------------------------------------------------- child side

function channel(): number {
  const raw = process.env[ACK_FD_ENV];
  if (!raw) throw new Error(`ack(): no acknowledgement channel (${ACK_FD_ENV} is unset); run this script through runAndKill from #support/sigkill`);
  return Number(raw);
}

/**
 * Child side: acknowledges one durable write. Call it only after the store's promise resolved.
 * Synchronous, so the acknowledgement is in the pipe before the workload goes on.
 */
export function ack(id: string | number): void {
  const s = String(id);
  if (s === '' || /\s/.test(s)) throw new TypeError(`ack(): ids must be non-empty and without whitespace, got ${JSON.stringify(s)}`);
  writeSync(channel(), `ack ${s}\n`);
}

/** Child side: the workload is set up; an `afterMs` delay counts from here. */
export function ready(): void {
  writeSync(channel(), 'ready\n');
}
