/**
 * A task scheduler: cron expressions, one-off and recurring jobs, retries with capped exponential
 * backoff and full jitter, a concurrency limit, a crash-safe journal of the schedule, and a live
 * terminal dashboard.
 *
 * Read katas/task-scheduler/README.md first: it states the exact rules the spec checks (the cron
 * day rule, run ids, the durability guarantee, the backoff formula, the dashboard layout).
 * `npm run hint task-scheduler` when stuck.
 *
 * Split the code into files as you like (cron.ts, journal.ts, scheduler.ts, dashboard.ts ...);
 * the spec imports only this module. For file access use only the `fs` you are given (a StoreFs):
 * the spec hands you a simulated disk that loses power and tears writes.
 */
import { todo } from '../not-implemented.ts';
import type { StoreFs } from '../store-fs.ts';

// =============================================================================== stage 1: cron

/** A cron expression that cannot be parsed, with the 0-based character position of the problem. */
export class CronSyntaxError extends Error {
  readonly code = 'CRON_SYNTAX';
  constructor(
    /** The expression as given. */
    readonly expression: string,
    /** 0-based index into `expression` where the offending token starts. */
    readonly position: number,
    /** What is wrong, in words. */
    readonly reason: string,
  ) {
    super(`invalid cron expression ${JSON.stringify(expression)} at position ${position}: ${reason}\n  ${expression}\n  ${' '.repeat(Math.max(0, position))}^`);
    this.name = 'CronSyntaxError';
  }
}

export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** The allowed values of each field, sorted (day of week 0-6, Sunday 0; 7 is folded into 0). */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  readonly daysOfWeek: readonly number[];
  /** True when the day-of-month / day-of-week field does not start with `*` (Vixie's rule). */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  /** Does this minute (UTC, seconds ignored) match? */
  matches(date: Date | number): boolean;
  /** The first matching minute strictly after `after` (UTC). */
  next(after: Date | number): Date;
}

/**
 * Parses `minute hour day-of-month month day-of-week` (or @yearly, @annually, @monthly, @weekly,
 * @daily, @midnight, @hourly). Each field is a comma list of `*`, `N`, `A-B`, each optionally with
 * `/STEP`; `N/STEP` means N to the field's maximum. Months and days of week also take three-letter
 * names in any case (JAN, mon). Throws CronSyntaxError with the position of the bad token.
 *
 * TODO (stage 1): split into fields remembering where each starts; parse each item to a set of
 *   values; check ranges; reject a day of month no listed month has when it alone decides the day.
 */
export function parseCron(expression: string): CronSchedule {
  return todo('task-scheduler', 'parseCron');
}

// ========================================================================= stage 2: the types

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
  /** Unique, no whitespace: the id keys the job in the journal and in run ids. */
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
  /** The policy with every default filled in. */
  retry: Required<RetryPolicy>;
  status: JobStatus;
  /** When the next try is due (run or retry); null when nothing more will run. */
  nextAt: number | null;
  /** The occurrence the current (or next) run belongs to: its scheduled time. Run id = `${id}@${ISO of due}`. */
  due: number | null;
  /** Tries started for the current run (1 while the first try runs); 0 between runs. */
  attempt: number;
  /** Tries of the current run that threw; 0 between runs. */
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
  /** Default: systemClock. */
  clock?: Clock;
  /** Most handlers running at once (default 1). */
  concurrency?: number;
  /** Directory of the journal. Without it nothing is persisted. */
  dir?: string;
  /** The file system for the journal (default: the real disk, nodeFs from ../store-fs.ts). */
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
  /** Tries in flight. */
  running: number;
  jobs: JobState[];
}

export interface Scheduler {
  /** Registers (or replaces) the handler for a name. */
  register(name: string, handler: Handler): void;
  /**
   * Adds a job; resolves (with a copy of its state) once it is durable. InvalidJobError,
   * CronSyntaxError, DuplicateJobError, UnknownHandlerError, SchedulerStoppedError.
   */
  schedule(job: JobSpec): Promise<JobState>;
  /** Stops a job's future runs and retries (a try already running finishes). False if it had none. */
  cancel(id: string): Promise<boolean>;
  /** Starts dispatching: due jobs run now, later ones when their time comes. UnknownHandlerError for a recovered job nobody handles. */
  start(): void;
  /** Stops dispatching, waits for running tries to finish and be recorded, closes the journal, cancels its timer. */
  stop(): Promise<void>;
  /** Resolves when nothing is running and (once started) nothing is due. */
  whenIdle(): Promise<void>;
  /** Copies of every job's state, in the order they were first scheduled. */
  jobs(): JobState[];
  job(id: string): JobState | undefined;
  snapshot(): SchedulerSnapshot;
}

// ========================================================================= errors (all stages)

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

// ===================================================================== stages 2-4: the scheduler

/**
 * The real clock: Date.now() and setTimeout. setTimeout cannot wait longer than 2^31-1 ms (about
 * 24.8 days; Node fires a longer one after 1 ms!), so clamp: a timer that wakes early re-arms.
 */
export const systemClock: Clock = {
  now: () => todo('task-scheduler', 'systemClock.now'),
  setTimer: () => todo('task-scheduler', 'systemClock.setTimer'),
};

/**
 * The wait before retry number `failures` (1 after the first failure):
 * cap = min(maxMs, baseMs * 2^(failures-1)); jitter 'none' → cap; 'full' → floor(random() * cap).
 */
export function backoffDelay(policy: Required<RetryPolicy>, failures: number, random: () => number): number {
  return todo('task-scheduler', 'backoffDelay');
}

/**
 * Opens the journal in `dir` (if given; creating the directory), cuts a torn tail, replays it, and
 * returns a scheduler that is not started yet. RangeError for a bad `concurrency`,
 * JournalCorruptError for damage inside synced lines.
 *
 * TODO (stage 2): jobs in a Map by id; one timer armed for the earliest future `nextAt`; a
 *   `pump()` that starts due tries (earliest `nextAt` first, then id) and re-arms the timer.
 * TODO (stage 3): a set of running job ids is the concurrency limit: take the slot before any
 *   await; release it after the outcome is recorded; every release ends with pump(). Failed
 *   tries get `nextAt = now + backoffDelay(...)` until `attempts` is used up.
 * TODO (stage 4): append the job's whole state (with a checksum) before the handler runs and
 *   after it settles, fdatasync before acting on it or reporting it. On open: the last line per
 *   job wins; a job recorded as 'running' was cut short: run it again, same run id.
 */
export async function createScheduler(options: SchedulerOptions = {}): Promise<Scheduler> {
  return todo('task-scheduler', 'createScheduler');
}

// ============================================================================ stage 5: dashboard

export interface DashboardOptions {
  /** Terminal columns (>= 20). */
  width: number;
  /** Terminal rows (>= 3). */
  height: number;
  /** Colour the state cells with ANSI escapes (default false). */
  color?: boolean;
}

/**
 * One screen of text (lines joined by '\n', no trailing newline), laid out exactly as the README's
 * "The dashboard" section says: a header line, a column line, one row per job most urgent first,
 * every line cut to `width` with "…", at most `height` lines with "… N more" when rows do not fit.
 * RangeError for width < 20 or height < 3.
 */
export function renderDashboard(snapshot: SchedulerSnapshot, options: DashboardOptions): string {
  return todo('task-scheduler', 'renderDashboard');
}
