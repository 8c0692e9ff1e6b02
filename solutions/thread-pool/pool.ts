/**
 * A fixed-size pool of worker threads that run one task module. Tasks wait in a FIFO queue for a
 * free worker; a worker runs one task at a time; a worker that dies or is stopped is replaced.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import { PoolClosedError, QueueFullError, TaskTimeoutError, WorkerCrashedError } from './errors.ts';
import { reviveError, type RunMessage, type WorkerData, type WorkerMessage } from './protocol.ts';

export interface ThreadPoolOptions {
  /** The task module: a file exporting `default function (input) { return output }` (sync or async). */
  filename: string | URL;
  /** The most worker threads, and so the most tasks running at once. Default: availableParallelism(). */
  size?: number;
  /** The most tasks waiting for a worker; one more rejects with QueueFullError. Default: Infinity. */
  maxQueue?: number;
  /** Default time limit of one task, from the moment it starts on a worker. Default: Infinity. */
  taskTimeoutMs?: number;
  /** Node flags for the workers (e.g. a TypeScript loader). Default: the process's own execArgv. */
  execArgv?: string[];
}

export interface RunOptions {
  /** Buffers (ArrayBuffer, MessagePort, ...) in `input` to move to the worker instead of copying. */
  transfer?: readonly TransferListItem[];
  /** Aborting removes a waiting task from the queue, or stops the worker running it. */
  signal?: AbortSignal;
  /** This task's time limit, overriding `taskTimeoutMs`. */
  timeoutMs?: number;
}

const BOOTSTRAP = new URL('./worker.ts', import.meta.url);

interface Task {
  id: number;
  input: unknown;
  transfer: readonly TransferListItem[];
  timeoutMs: number;
  signal: AbortSignal | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  onAbort?: () => void;
  timer?: NodeJS.Timeout;
  /** The worker running it; undefined while it waits in the queue. */
  slot?: Slot;
  done?: boolean;
}

interface Slot {
  worker: Worker;
  /** The task module has loaded; until then a task handed to it has not really started. */
  ready: boolean;
  task: Task | undefined;
  /** What the worker reported in 'error' before it exited. */
  error: unknown;
}

/** An integer >= min, or Infinity. */
function checkCount(name: string, v: number, min: number): void {
  if (v === Infinity) return;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min} or Infinity, not ${String(v)}`);
}

/** Milliseconds > 0, or Infinity for no limit. */
function checkTimeout(name: string, v: number): void {
  if (!(typeof v === 'number' && v > 0)) throw new RangeError(`${name} must be a number of milliseconds > 0 or Infinity, not ${String(v)}`);
}

// setTimeout fires at once (with a warning) for delays past 2^31 - 1 ms; that long is no limit.
const MAX_TIMER_MS = 2 ** 31 - 1;

function toHref(filename: string | URL): string {
  if (filename instanceof URL) return filename.href;
  if (filename.startsWith('file:')) return filename;
  return pathToFileURL(path.resolve(filename)).href;
}

export class ThreadPool<I = unknown, O = unknown> {
  readonly #filename: string;
  readonly #size: number;
  readonly #maxQueue: number;
  readonly #taskTimeoutMs: number;
  readonly #execArgv: string[] | undefined;

  /** Workers serving the pool: starting, idle or busy. A stopped worker leaves at once. */
  readonly #slots = new Set<Slot>();
  /** Every thread not yet exited, with its exit, including stopped ones still shutting down. */
  readonly #exits = new Map<Worker, Promise<void>>();
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;
  #closing: Promise<void> | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(opts: ThreadPoolOptions) {
    const { filename, size = availableParallelism(), maxQueue = Infinity, taskTimeoutMs = Infinity, execArgv } = opts;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be an integer >= 1, not ${String(size)}`);
    checkCount('maxQueue', maxQueue, 0);
    checkTimeout('taskTimeoutMs', taskTimeoutMs);
    this.#filename = toHref(filename);
    this.#size = size;
    this.#maxQueue = maxQueue;
    this.#taskTimeoutMs = taskTimeoutMs;
    this.#execArgv = execArgv;
  }

  /** The most workers (and tasks running at once). */
  get size(): number {
    return this.#size;
  }

  /** Worker threads serving the pool now (started on demand, up to `size`; 0 after close). */
  get workers(): number {
    return this.#slots.size;
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Tasks handed to a worker and not yet settled. */
  get busy(): number {
    let n = 0;
    for (const s of this.#slots) if (s.task) n++;
    return n;
  }

  /** Runs `input` through the task module on a worker; resolves with what the task returned. */
  run(input: I, opts: RunOptions = {}): Promise<O> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    const { transfer = [], signal, timeoutMs = this.#taskTimeoutMs } = opts;
    try {
      checkTimeout('timeoutMs', timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);

    return new Promise<O>((resolve, reject) => {
      const task: Task = { id: this.#nextId++, input, transfer, timeoutMs, signal, resolve: resolve as (v: unknown) => void, reject };
      this.#queue.push(task);
      this.#pump();
      // After the pump the queue holds only tasks no worker could take. Rejecting here, rather
      // than checking first, means a task that starts at once never counts against maxQueue.
      if (this.#queue.length > this.#maxQueue) {
        this.#queue.pop();
        reject(new QueueFullError(this.#maxQueue));
        return;
      }
      // (A task whose input could not be sent is already settled: nothing to listen for.)
      if (signal && !task.done) {
        task.onAbort = () => this.#abort(task);
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
    });
  }

  /** Resolves once nothing is queued or running (now, if that is already so). */
  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Refuses new tasks at once. Graceful: lets queued and running tasks finish, then stops the
   * workers. `force`: rejects queued and running tasks with PoolClosedError and stops the workers
   * now. Resolves when every worker thread has exited.
   */
  close(opts: { force?: boolean } = {}): Promise<void> {
    this.#closed = true;
    if (opts.force) {
      for (const task of this.#queue.splice(0)) this.#finish(task, false, new PoolClosedError());
      for (const slot of [...this.#slots]) {
        if (slot.task) {
          this.#finish(slot.task, false, new PoolClosedError());
          this.#stop(slot);
        }
      }
      this.#checkIdle();
    }
    this.#closing ??= this.drain().then(async () => {
      for (const slot of [...this.#slots]) this.#stop(slot);
      await Promise.all(this.#exits.values());
    });
    return this.#closing;
  }

  // ---- dispatch -------------------------------------------------------------------------------

  /** Hands queued tasks to idle workers, starting workers up to `size`. */
  #pump(): void {
    while (this.#queue.length > 0) {
      let slot = this.#idleSlot();
      if (!slot) {
        if (this.#slots.size >= this.#size) break;
        slot = this.#spawn();
      }
      this.#start(slot, this.#queue.shift()!);
    }
    this.#checkIdle();
  }

  /** An idle worker, preferring one that is ready over one still loading the task module. */
  #idleSlot(): Slot | undefined {
    let starting: Slot | undefined;
    for (const s of this.#slots) {
      if (s.task) continue;
      if (s.ready) return s;
      starting ??= s;
    }
    return starting;
  }

  #start(slot: Slot, task: Task): void {
    try {
      // The transfer list moves the buffers: after this line they are detached in this thread.
      slot.worker.postMessage({ type: 'run', id: task.id, input: task.input } satisfies RunMessage, task.transfer);
    } catch (err) {
      // The input cannot be cloned (DataCloneError) or the transfer list is bad: nothing was sent.
      this.#finish(task, false, err);
      return;
    }
    slot.task = task;
    task.slot = slot;
    if (slot.ready) this.#armTimer(task, slot);
  }

  /** The time limit runs from the start of the task, not from when it was queued or the thread booted. */
  #armTimer(task: Task, slot: Slot): void {
    if (task.timeoutMs > MAX_TIMER_MS) return;
    task.timer = setTimeout(() => {
      this.#finish(task, false, new TaskTimeoutError(task.timeoutMs));
      // A task cannot be interrupted from outside, only its thread: stop it and start afresh.
      this.#stop(slot);
      this.#pump();
    }, task.timeoutMs);
  }

  #abort(task: Task): void {
    const reason = task.signal!.reason;
    const slot = task.slot;
    if (slot) {
      this.#finish(task, false, reason);
      this.#stop(slot);
      this.#pump();
    } else {
      const i = this.#queue.indexOf(task);
      if (i >= 0) this.#queue.splice(i, 1);
      this.#finish(task, false, reason);
      this.#checkIdle();
    }
  }

  /** Settles a task exactly once and lets go of everything it holds: its slot, timer and listener. */
  #finish(task: Task, ok: boolean, value: unknown): void {
    if (task.done) return;
    task.done = true;
    if (task.slot) {
      task.slot.task = undefined;
      task.slot = undefined;
    }
    clearTimeout(task.timer);
    task.timer = undefined;
    if (task.onAbort) task.signal!.removeEventListener('abort', task.onAbort);
    if (ok) task.resolve(value);
    else task.reject(value);
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.busy === 0;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  // ---- workers --------------------------------------------------------------------------------

  #spawn(): Slot {
    const worker = new Worker(BOOTSTRAP, {
      workerData: { filename: this.#filename } satisfies WorkerData,
      ...(this.#execArgv ? { execArgv: this.#execArgv } : {}),
    });
    const slot: Slot = { worker, ready: false, task: undefined, error: undefined };
    this.#slots.add(slot);
    this.#exits.set(
      worker,
      new Promise((resolve) => {
        worker.once('exit', (code) => {
          this.#exits.delete(worker);
          this.#onExit(slot, code);
          resolve();
        });
      }),
    );
    worker.on('message', (msg: WorkerMessage) => this.#onMessage(slot, msg));
    // 'error' comes just before 'exit' when the thread dies of an uncaught exception.
    worker.on('error', (err) => {
      slot.error ??= err;
    });
    // The result arrived but could not be deserialized here: that task fails, the worker is fine.
    worker.on('messageerror', (err) => {
      if (slot.task) this.#finish(slot.task, false, err);
      this.#pump();
    });
    return slot;
  }

  #onMessage(slot: Slot, msg: WorkerMessage): void {
    if (msg.type === 'ready') {
      slot.ready = true;
      if (slot.task) this.#armTimer(slot.task, slot);
      return;
    }
    const task = slot.task;
    if (!task || task.id !== msg.id) return; // the answer of a task we already gave up on
    if (msg.ok) this.#finish(task, true, msg.value);
    else this.#finish(task, false, reviveError(msg.error));
    this.#pump();
  }

  #onExit(slot: Slot, code: number): void {
    // A worker we stopped has already left the pool; only an unexpected death lands here.
    if (!this.#slots.delete(slot)) return;
    if (slot.task) this.#finish(slot.task, false, new WorkerCrashedError(code, slot.error));
    // Queued tasks get a new worker now; the pool keeps its size.
    this.#pump();
  }

  /** Takes a worker out of the pool at once and terminates it; close() still waits for its exit. */
  #stop(slot: Slot): void {
    this.#slots.delete(slot);
    void slot.worker.terminate();
  }
}
