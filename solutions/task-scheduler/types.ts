/**
 * The scheduler's public types and errors.
 */
import type { StoreFs } from '../../katas/store-fs.ts';

/** Time as the scheduler sees it. Inject a fake one in tests: nothing else reads the real time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now (ms may be 0). */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
}

/** JSON-serialisable data: payloads are written to the journal. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface RetryPolicy {
  /**
   * How many tries a run gets: after this many thrown errors the run is given up ('failed').
   * 1 (the default) means no retries. A try cut short by a crash is not a failure.
   */
  attempts?: number;
  /** Backoff before the first retry, ms (default 1000); doubles after each failure. */
  baseMs?: number;
  /** The most any backoff may be, ms (default 60 000). */
  maxMs?: number;
  /** 'full' (default): a uniform delay in [0, backoff); 'none': exactly the backoff. */
  jitter?: 'full' | 'none';
}

export interface JobSpec {
  /** Unique: the id keys the job in the journal and in run ids. */
  id: string;
  /** The name a handler was registered under. */
  handler: string;
  /** One-off job: when to run (ms since the epoch or a Date). Give exactly one of `at` and `cron`. */
  at?: number | Date;
  /** Recurring job: a cron expression (UTC). */
  cron?: string;
  /** Handed to the handler as is; must be JSON. */
  payload?: Json;
  retry?: RetryPolicy;
}

export type JobStatus = 'scheduled' | 'running' | 'retrying' | 'done' | 'failed' | 'cancelled';

/** A job's whole state: what the journal stores and what `jobs()` shows. */
export interface JobState {
  id: string;
  handler: string;
  kind: 'once' | 'cron';
  /** One-off: the time it was scheduled for. */
  at?: number;
  cron?: string;
  payload?: Json;
  retry: Required<RetryPolicy>;
  status: JobStatus;
  /** When the next try is due (run or retry); null when nothing more will run. */
  nextAt: number | null;
  /** The occurrence the current (or next) run belongs to: its scheduled time. Run id = `${id}@${ISO of due}`. */
  due: number | null;
  /** Tries started for the current run (1 while the first try runs). */
  attempt: number;
  /** Tries of the current run that threw. */
  failures: number;
  /** Runs that completed (handler resolved). */
  runs: number;
  /** Runs given up after their last retry. */
  failedRuns: number;
  lastRunId: string | null;
  lastError: string | null;
  /** When the last try settled. */
  lastFinishedAt: number | null;
}

/** What a handler is called with. */
export interface RunContext {
  jobId: string;
  /**
   * `${jobId}@${ISO time of the occurrence}`: the same for every try of one run, also across a
   * crash and restart. Use it as an idempotency key for the run's side effects.
   */
  runId: string;
  /** 1 for the first try of this run, 2 for the next, ... (a try cut short by a crash counts). */
  attempt: number;
  /** The occurrence's scheduled time (ms since the epoch). */
  scheduledAt: number;
  payload: Json | undefined;
}

export type Handler = (ctx: RunContext) => unknown | Promise<unknown>;

/** Emitted only after the change it reports is durable in the journal. */
export type SchedulerEvent =
  | { type: 'scheduled'; jobId: string; at: number; nextAt: number }
  | { type: 'start'; jobId: string; runId: string; attempt: number; at: number }
  | { type: 'done'; jobId: string; runId: string; attempt: number; at: number }
  | { type: 'retry'; jobId: string; runId: string; attempt: number; at: number; delayMs: number; error: string }
  | { type: 'failed'; jobId: string; runId: string; attempt: number; at: number; error: string }
  | { type: 'cancelled'; jobId: string; at: number };

export interface SchedulerOptions {
  /** Default: the real clock (Date.now and setTimeout). */
  clock?: Clock;
  /** Most handlers running at once (default 1). */
  concurrency?: number;
  /** Directory of the journal. Without it nothing is persisted. */
  dir?: string;
  /** The file system for the journal (default: the real disk). */
  fs?: StoreFs;
  /** Uniform in [0, 1): the jitter source (default Math.random). */
  random?: () => number;
  /** Called with every event, after it is durable. Exceptions from it are ignored. */
  onEvent?: (event: SchedulerEvent) => void;
  /** On open, rewrite a journal longer than this many lines to one line per job (default 1000). */
  compactAbove?: number;
}

export interface SchedulerSnapshot {
  now: number;
  concurrency: number;
  running: number;
  jobs: JobState[];
}

export interface Scheduler {
  /** Registers (or replaces) the handler for a name. */
  register(name: string, handler: Handler): void;
  /** Adds a job; resolves (with its state) once it is durable. */
  schedule(job: JobSpec): Promise<JobState>;
  /** Stops a job's future runs and retries (a try already running finishes). False if it had none. */
  cancel(id: string): Promise<boolean>;
  /** Starts dispatching: due jobs run now, later ones when their time comes. */
  start(): void;
  /** Stops dispatching, waits for running tries to finish and be recorded, closes the journal. */
  stop(): Promise<void>;
  /** Resolves when nothing is running and (once started) nothing is due. */
  whenIdle(): Promise<void>;
  /** Copies of every job's state, in the order they were scheduled. */
  jobs(): JobState[];
  job(id: string): JobState | undefined;
  snapshot(): SchedulerSnapshot;
}

/** A job spec that cannot be scheduled. */
export class InvalidJobError extends Error {
  readonly code = 'INVALID_JOB';
  constructor(
    readonly jobId: string | undefined,
    readonly reason: string,
  ) {
    super(`invalid job${jobId === undefined ? '' : ` ${JSON.stringify(jobId)}`}: ${reason}`);
    this.name = 'InvalidJobError';
  }
}

/** A job with this id exists already. */
export class DuplicateJobError extends Error {
  readonly code = 'DUPLICATE_JOB';
  constructor(readonly jobId: string) {
    super(`a job with id ${JSON.stringify(jobId)} is already scheduled: ids are unique (they key the journal and the run ids)`);
    this.name = 'DuplicateJobError';
  }
}

/** A job names a handler nobody registered. */
export class UnknownHandlerError extends Error {
  readonly code = 'UNKNOWN_HANDLER';
  constructor(
    readonly handler: string,
    readonly jobId: string,
  ) {
    super(`job ${JSON.stringify(jobId)} uses handler ${JSON.stringify(handler)}, which is not registered: call register(${JSON.stringify(handler)}, fn) first`);
    this.name = 'UnknownHandlerError';
  }
}

/** The scheduler was stopped; create a new one (on the same dir) to go on. */
export class SchedulerStoppedError extends Error {
  readonly code = 'SCHEDULER_STOPPED';
  constructor() {
    super('the scheduler is stopped: create a new one with createScheduler() on the same dir to resume');
    this.name = 'SchedulerStoppedError';
  }
}

/** Damage inside the synced part of the journal: not a torn write, so recovery will not guess. */
export class JournalCorruptError extends Error {
  readonly code = 'JOURNAL_CORRUPT';
  constructor(
    readonly file: string,
    /** Byte offset of the damaged line. */
    readonly offset: number,
    /** 1-based line number. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`schedule journal ${file} is corrupt at line ${line} (byte ${offset}): ${reason}. Restore it from a backup.`);
    this.name = 'JournalCorruptError';
  }
}
