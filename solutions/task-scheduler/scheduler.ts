/**
 * The scheduler: one-off and cron jobs, retries with capped exponential backoff and full jitter, a
 * concurrency limit, and a journal that makes a crash lose no job and repeat no completed run.
 *
 * The durability rule, in the order things happen for one try:
 *   1. the job's state "running, attempt n of run R" is appended and fsynced;
 *   2. only then is the handler called (with R as its idempotency key);
 *   3. its outcome (done / retry at T / failed, and a cron job's next occurrence) is appended and
 *      fsynced;
 *   4. only then is the outcome reported (onEvent) and the concurrency slot released.
 * So after a crash a run whose outcome was recorded never runs again, and a run recorded as
 * running without an outcome runs again with the same run id: exactly once where completion was
 * recorded, at least once otherwise.
 */
import { parseCron, type CronSchedule } from './cron.ts';
import { Journal } from './journal.ts';
import {
  DuplicateJobError,
  InvalidJobError,
  SchedulerStoppedError,
  UnknownHandlerError,
  type Clock,
  type Handler,
  type JobSpec,
  type JobState,
  type RetryPolicy,
  type Scheduler,
  type SchedulerEvent,
  type SchedulerOptions,
  type SchedulerSnapshot,
} from './types.ts';

/** The real clock. setTimeout cannot wait more than 2^31-1 ms; a longer wait wakes early and re-arms. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 0x7fffffff));
    return { cancel: () => clearTimeout(t) };
  },
};

export const DEFAULT_RETRY: Required<RetryPolicy> = { attempts: 1, baseMs: 1000, maxMs: 60_000, jitter: 'full' };

/**
 * The wait before retry number `failures` (1 after the first failure): min(maxMs, baseMs·2^(failures-1)),
 * and with full jitter a uniform whole number of ms in [0, that).
 */
export function backoffDelay(policy: Required<RetryPolicy>, failures: number, random: () => number): number {
  const exp = policy.baseMs * 2 ** (failures - 1);
  const cap = Math.min(policy.maxMs, exp);
  if (policy.jitter === 'none') return cap;
  return Math.floor(random() * cap);
}

export function runIdOf(jobId: string, due: number): string {
  return `${jobId}@${new Date(due).toISOString()}`;
}

/** Opens the journal in `dir` (if given), replays it, and returns a scheduler that is not started yet. */
export async function createScheduler(options: SchedulerOptions = {}): Promise<Scheduler> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`createScheduler: concurrency must be an integer >= 1, not ${concurrency}`);
  const compactAbove = options.compactAbove ?? 1000;
  let journal: Journal | undefined;
  let states = new Map<string, JobState>();
  if (options.dir !== undefined) {
    const opened = await Journal.open(options.dir, options.fs, compactAbove);
    journal = opened.journal;
    states = opened.replay.states;
  }
  return new TaskScheduler(options.clock ?? systemClock, concurrency, options.random ?? Math.random, options.onEvent, journal, states);
}

class TaskScheduler implements Scheduler {
  readonly #jobs: Map<string, JobState>;
  readonly #crons = new Map<string, CronSchedule>();
  readonly #handlers = new Map<string, Handler>();
  /** Ids of jobs with a try in flight: each holds one concurrency slot. */
  readonly #running = new Set<string>();
  #started = false;
  #stopped = false;
  #timer: { at: number; cancel(): void } | undefined;
  #idleWaiters: { resolve(): void; reject(err: unknown): void }[] = [];
  /** Journal writes in flight that are not part of a run (schedule, cancel). */
  #writes = 0;
  /** A journal failure: the scheduler stops dispatching rather than act on state it cannot record. */
  #fatal: { error: unknown } | undefined;

  constructor(
    readonly clock: Clock,
    readonly concurrency: number,
    readonly random: () => number,
    readonly onEvent: ((e: SchedulerEvent) => void) | undefined,
    readonly journal: Journal | undefined,
    recovered: Map<string, JobState>,
  ) {
    this.#jobs = recovered;
    for (const job of recovered.values()) {
      if (job.cron !== undefined) this.#crons.set(job.id, parseCron(job.cron));
      // Recorded as running but no outcome: the process died during the try. Run it again, same
      // run id (the handler can tell by the key), as soon as the scheduler starts.
      if (job.status === 'running') job.status = job.failures > 0 ? 'retrying' : 'scheduled';
    }
  }

  register(name: string, handler: Handler): void {
    if (typeof name !== 'string' || name === '') throw new TypeError('register: the name must be a non-empty string');
    if (typeof handler !== 'function') throw new TypeError(`register(${JSON.stringify(name)}): the handler must be a function`);
    this.#handlers.set(name, handler);
  }

  async schedule(spec: JobSpec): Promise<JobState> {
    if (this.#stopped) throw new SchedulerStoppedError();
    const job = this.#validate(spec);
    if (this.#jobs.has(job.id)) throw new DuplicateJobError(job.id);
    if (!this.#handlers.has(job.handler)) throw new UnknownHandlerError(job.handler, job.id);
    this.#jobs.set(job.id, job);
    try {
      await this.#record(job);
    } catch (err) {
      this.#jobs.delete(job.id);
      this.#crons.delete(job.id);
      throw err;
    }
    this.#emit({ type: 'scheduled', jobId: job.id, at: this.clock.now(), nextAt: job.nextAt! });
    this.#pump();
    return structuredClone(job);
  }

  #validate(spec: JobSpec): JobState {
    if (spec === null || typeof spec !== 'object') throw new InvalidJobError(undefined, 'a job must be an object');
    const { id, handler, at, cron, payload, retry = {} } = spec;
    if (typeof id !== 'string' || id === '' || /\s/.test(id)) throw new InvalidJobError(undefined, 'id must be a non-empty string without whitespace');
    if (typeof handler !== 'string' || handler === '') throw new InvalidJobError(id, 'handler must be a non-empty string');
    if ((at === undefined) === (cron === undefined)) throw new InvalidJobError(id, 'give exactly one of `at` (one-off) and `cron` (recurring)');
    const policy = { ...DEFAULT_RETRY, ...retry };
    if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new InvalidJobError(id, `retry.attempts must be an integer >= 1, not ${policy.attempts}`);
    if (!(Number.isFinite(policy.baseMs) && policy.baseMs >= 0)) throw new InvalidJobError(id, `retry.baseMs must be a number >= 0, not ${policy.baseMs}`);
    if (!(Number.isFinite(policy.maxMs) && policy.maxMs >= policy.baseMs)) throw new InvalidJobError(id, `retry.maxMs must be a number >= baseMs, not ${policy.maxMs}`);
    if (policy.jitter !== 'full' && policy.jitter !== 'none') throw new InvalidJobError(id, `retry.jitter must be 'full' or 'none', not ${String(policy.jitter)}`);
    if (payload !== undefined) {
      try {
        JSON.stringify(payload);
      } catch (err) {
        throw new InvalidJobError(id, `payload must be JSON-serialisable (${(err as Error).message})`);
      }
    }
    const base: JobState = {
      id,
      handler,
      kind: 'once',
      retry: policy,
      status: 'scheduled',
      nextAt: null,
      due: null,
      attempt: 0,
      failures: 0,
      runs: 0,
      failedRuns: 0,
      lastRunId: null,
      lastError: null,
      lastFinishedAt: null,
    };
    if (payload !== undefined) base.payload = payload;
    if (at !== undefined) {
      const t = at instanceof Date ? at.getTime() : at;
      if (typeof t !== 'number' || !Number.isFinite(t)) throw new InvalidJobError(id, '`at` must be a Date or ms since the epoch');
      return { ...base, at: t, nextAt: t, due: t };
    }
    if (typeof cron !== 'string') throw new InvalidJobError(id, '`cron` must be a string');
    const schedule = parseCron(cron); // CronSyntaxError, with the position, for a bad expression
    this.#crons.set(id, schedule);
    const first = schedule.next(this.clock.now()).getTime();
    return { ...base, kind: 'cron', cron, nextAt: first, due: first };
  }

  async cancel(id: string): Promise<boolean> {
    if (this.#stopped) throw new SchedulerStoppedError();
    const job = this.#jobs.get(id);
    if (!job || job.status === 'done' || job.status === 'failed' || job.status === 'cancelled') return false;
    const before = structuredClone(job);
    job.status = 'cancelled';
    job.nextAt = null;
    // A try in flight finishes and records its outcome, but nothing runs after it.
    if (!this.#running.has(id)) {
      try {
        await this.#record(job);
      } catch (err) {
        this.#jobs.set(id, before);
        throw err;
      }
    }
    this.#emit({ type: 'cancelled', jobId: id, at: this.clock.now() });
    this.#pump();
    return true;
  }

  start(): void {
    if (this.#stopped) throw new SchedulerStoppedError();
    for (const job of this.#jobs.values()) {
      if (isActive(job) && !this.#handlers.has(job.handler)) throw new UnknownHandlerError(job.handler, job.id);
    }
    this.#started = true;
    this.#pump();
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#stopped = true;
    this.#disarm();
    // Let the tries in flight finish and record their outcome.
    await new Promise<void>((resolve, reject) => {
      this.#idleWaiters.push({ resolve, reject: () => resolve() });
      this.#checkIdle();
    });
    await this.journal?.close();
  }

  whenIdle(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#idleWaiters.push({ resolve, reject });
      this.#checkIdle();
    });
  }

  jobs(): JobState[] {
    return [...this.#jobs.values()].map((j) => structuredClone(j));
  }

  job(id: string): JobState | undefined {
    const j = this.#jobs.get(id);
    return j && structuredClone(j);
  }

  snapshot(): SchedulerSnapshot {
    return { now: this.clock.now(), concurrency: this.concurrency, running: this.#running.size, jobs: this.jobs() };
  }

  // ------------------------------------------------------------------------------- dispatching

  /** Due tries, earliest first (ties by id), that may start now. */
  #due(now: number): JobState[] {
    const out: JobState[] = [];
    for (const job of this.#jobs.values()) {
      if ((job.status === 'scheduled' || job.status === 'retrying') && job.nextAt !== null && job.nextAt <= now && !this.#running.has(job.id)) out.push(job);
    }
    return out.sort((a, b) => a.nextAt! - b.nextAt! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Starts due tries while slots are free, then arms the timer for the next due time. */
  #pump(): void {
    if (!this.#started || this.#fatal) {
      this.#checkIdle();
      return;
    }
    const now = this.clock.now();
    for (const job of this.#due(now)) {
      if (this.#running.size >= this.concurrency) break;
      this.#running.add(job.id); // the slot is taken now, before any await
      void this.#runTry(job);
    }
    this.#arm(now);
    this.#checkIdle();
  }

  /** One timer, for the earliest future due time. Tries already due wait for a free slot instead. */
  #arm(now: number): void {
    let next = Infinity;
    for (const job of this.#jobs.values()) {
      if ((job.status === 'scheduled' || job.status === 'retrying') && job.nextAt !== null && job.nextAt > now && !this.#running.has(job.id)) {
        next = Math.min(next, job.nextAt);
      }
    }
    if (this.#timer && this.#timer.at === next) return;
    this.#disarm();
    if (next === Infinity) return;
    const handle = this.clock.setTimer(next - now, () => {
      if (this.#timer === timer) this.#timer = undefined;
      this.#pump();
    });
    const timer = { at: next, cancel: () => handle.cancel() };
    this.#timer = timer;
  }

  #disarm(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  async #runTry(job: JobState): Promise<void> {
    const runId = runIdOf(job.id, job.due!);
    const scheduledAt = job.due!;
    try {
      // 1. Record the try before it starts: after a crash it is run again, never forgotten.
      job.status = 'running';
      job.attempt += 1;
      job.lastRunId = runId;
      await this.#persist(job);
      const attempt = job.attempt;
      this.#emit({ type: 'start', jobId: job.id, runId, attempt, at: this.clock.now() });

      // 2. The handler, with the run id as its idempotency key.
      let error: unknown;
      let ok = true;
      try {
        const handler = this.#handlers.get(job.handler);
        if (!handler) throw new UnknownHandlerError(job.handler, job.id);
        await handler({ jobId: job.id, runId, attempt, scheduledAt, payload: job.payload });
      } catch (err) {
        ok = false;
        error = err;
      }

      // 3. Record the outcome, 4. then report it.
      const now = this.clock.now();
      job.lastFinishedAt = now;
      const event = ok ? this.#succeeded(job, runId, now) : this.#failedTry(job, runId, now, error);
      await this.#persist(job);
      this.#emit(event);
    } catch (err) {
      this.#fail(err);
    } finally {
      this.#running.delete(job.id);
      this.#pump();
    }
  }

  #succeeded(job: JobState, runId: string, now: number): SchedulerEvent {
    const event: SchedulerEvent = { type: 'done', jobId: job.id, runId, attempt: job.attempt, at: now };
    job.runs += 1;
    job.lastError = null;
    this.#advance(job, now);
    return event;
  }

  #failedTry(job: JobState, runId: string, now: number, error: unknown): SchedulerEvent {
    const message = error instanceof Error ? error.message : String(error);
    const attempt = job.attempt;
    job.failures += 1;
    job.lastError = message;
    if (job.status !== 'cancelled' && job.failures < job.retry.attempts) {
      const delayMs = backoffDelay(job.retry, job.failures, this.random);
      job.status = 'retrying';
      job.nextAt = now + delayMs;
      return { type: 'retry', jobId: job.id, runId, attempt, at: now, delayMs, error: message };
    }
    job.failedRuns += 1;
    this.#advance(job, now);
    if (job.kind === 'once' && job.status !== 'cancelled') job.status = 'failed';
    return { type: 'failed', jobId: job.id, runId, attempt, at: now, error: message };
  }

  /**
   * After a run ends (done or given up): a one-off job is finished; a cron job moves to its next
   * occurrence after now. Occurrences missed while the scheduler was down or a run overran are
   * coalesced: they are not run one by one to catch up.
   */
  #advance(job: JobState, now: number): void {
    job.attempt = 0;
    job.failures = 0;
    if (job.status === 'cancelled') return;
    if (job.kind === 'once') {
      job.status = 'done';
      job.nextAt = null;
      return;
    }
    const next = this.#crons.get(job.id)!.next(Math.max(job.due!, now)).getTime();
    job.status = 'scheduled';
    job.nextAt = next;
    job.due = next;
  }

  async #persist(job: JobState): Promise<void> {
    if (this.journal) await this.journal.append(structuredClone(job));
  }

  /** A write outside a run (schedule, cancel): counted so whenIdle waits for it. */
  async #record(job: JobState): Promise<void> {
    this.#writes++;
    try {
      await this.#persist(job);
    } finally {
      this.#writes--;
    }
  }

  #fail(err: unknown): void {
    this.#fatal ??= { error: err };
    this.#disarm();
  }

  #emit(event: SchedulerEvent): void {
    try {
      this.onEvent?.(event);
    } catch {
      // a listener's bug must not break the schedule
    }
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    if (this.#running.size > 0 || this.#writes > 0) return;
    if (this.#fatal) {
      for (const w of this.#idleWaiters.splice(0)) w.reject(this.#fatal.error);
      return;
    }
    if (this.#started && this.#due(this.clock.now()).length > 0) return;
    for (const w of this.#idleWaiters.splice(0)) w.resolve();
  }
}

function isActive(job: JobState): boolean {
  return job.status === 'scheduled' || job.status === 'retrying' || job.status === 'running';
}
