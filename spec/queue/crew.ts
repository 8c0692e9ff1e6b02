/**
 * A crew of worker threads (worker.ts) for the stage 4 spec, started once per spec file: starting
 * a thread that loads TypeScript costs about half a second of CPU, too much to pay per test.
 */
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '#support/child';
import type { Job, Message, Report } from './jobs.ts';

export interface Running {
  /** Resolves when the job says it is about to block (pop-once, push-once). */
  ready: Promise<void>;
  done: Promise<Report>;
}

interface Pending {
  ready(): void;
  done(r: Report): void;
  fail(err: Error): void;
}

export class Crew {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    workers.forEach((w, i) => {
      w.on('message', (m: Message) => {
        if (m.type === 'hello') return;
        const p = this.#pending.get(m.id);
        if (!p) return;
        if (m.type === 'ready') return p.ready();
        this.#pending.delete(m.id);
        if (m.type === 'done') p.done(m.report);
        else p.fail(new Error(`worker ${i}: ${m.message}`));
      });
      w.on('error', (err) => this.#failAll(new Error(`worker ${i} crashed: ${err.message}`, { cause: err })));
    });
  }

  /** Starts `n` workers and waits until each has loaded the code under test. */
  static async start(n: number): Promise<Crew> {
    const file = new URL('./worker.ts', import.meta.url);
    const workers = Array.from({ length: n }, () => new Worker(file, { execArgv: workerExecArgv() }));
    try {
      await Promise.all(
        workers.map(
          (w, i) =>
            new Promise<void>((resolve, reject) => {
              w.once('message', () => resolve());
              w.once('error', (err) => reject(new Error(`worker ${i} failed to start: ${err.message}`, { cause: err })));
              w.once('exit', (code) => reject(new Error(`worker ${i} exited with code ${code} while starting`)));
            }),
        ),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new Crew(workers);
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Sends `job` to worker `i`; it runs after the jobs sent to that worker before it. */
  run(i: number, job: Job): Running {
    const id = this.#nextId++;
    let ready!: () => void;
    const readyP = new Promise<void>((r) => (ready = r));
    const done = new Promise<Report>((resolve, reject) => {
      this.#pending.set(id, { ready, done: resolve, fail: reject });
    });
    // A job that fails before it is ready must not leave `ready` awaited forever.
    done.catch(() => ready());
    this.#workers[i]!.postMessage({ id, job });
    return { ready: readyP, done };
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.fail(err);
    this.#pending.clear();
  }

  /** Terminates every worker, even one stuck in Atomics.wait or a loop. */
  async close(): Promise<void> {
    this.#failAll(new Error('the crew was closed before the job finished'));
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
