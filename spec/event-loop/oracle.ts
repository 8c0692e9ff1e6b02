/**
 * The spec's side of the Node oracle: one long-lived `node node-runner.mjs` process (plain Node,
 * no loader, so nothing stands between the programs and Node's own loop), results cached per
 * program, and a retry ladder for results that real time made untrustworthy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Program } from './program.mjs';

export interface NodeRun {
  log: string[];
  /** Why this run cannot be trusted (a callback ran outside its time window), or null. */
  disturbed: string | null;
}

export interface Verdict {
  /** Node's order, or undefined when every attempt was disturbed. */
  log?: string[];
  /** The unit (ms) of the run that gave `log`, or of the last attempt. */
  unitMs: number;
  /** The last disturbance, when undecided. */
  reason?: string;
}

/**
 * Units tried in turn: the first suits an idle machine; a run that was disturbed (a timer more
 * than a unit late) goes again with the next, longer one.
 */
export const UNITS_MS = [12, 25, 50];

const runner = fileURLToPath(new URL('./node-runner.mjs', import.meta.url));

export class NodeOracle {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (runs: NodeRun[]) => void; reject: (err: Error) => void }>();
  readonly #cache = new Map<string, Verdict>();
  #nextId = 0;
  #stderr = '';
  #exited: Error | undefined;

  constructor() {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // nothing but Node itself in the oracle
    this.#child = spawn(process.execPath, [runner], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.#child.stderr!.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { id: number; results: NodeRun[] };
      this.#waiting.get(msg.id)?.resolve(msg.results);
      this.#waiting.delete(msg.id);
    });
    this.#child.on('exit', (code) => {
      this.#exited = new Error(`the Node oracle process exited (code ${code}): ${this.#stderr.trim() || 'no output'}`);
      for (const w of this.#waiting.values()) w.reject(this.#exited);
      this.#waiting.clear();
    });
  }

  /** Runs programs on Node at one unit, as one batch spread over the runner's worker threads. */
  runOnce(programs: Program[], unitMs: number): Promise<NodeRun[]> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#child.stdin!.write(`${JSON.stringify({ id, unitMs, programs })}\n`);
    });
  }

  /** Node's verdict for each program: the first undisturbed run up the ladder of units. Cached. */
  async decide(programs: Program[]): Promise<Verdict[]> {
    const keys = programs.map((p) => JSON.stringify(p));
    let todo = [...new Set(keys.filter((k) => !this.#cache.has(k)))];
    for (const unitMs of UNITS_MS) {
      if (todo.length === 0) break;
      const tRun = Date.now();
      const runs = await this.runOnce(
        todo.map((k) => JSON.parse(k) as Program),
        unitMs,
      );
      if (process.env.ORACLE_DEBUG) console.log("runOnce", unitMs, todo.length, Date.now() - tRun);
      const again: string[] = [];
      runs.forEach((r, i) => {
        if (r.disturbed === null) this.#cache.set(todo[i]!, { log: r.log, unitMs });
        else {
          this.#cache.set(todo[i]!, { unitMs, reason: r.disturbed });
          again.push(todo[i]!);
        }
      });
      todo = again;
    }
    return keys.map((k) => this.#cache.get(k)!);
  }

  /** Runs one program again at a longer unit than its verdict's, to confirm Node agrees with itself. */
  async confirm(program: Program, verdict: Verdict): Promise<NodeRun> {
    const unitMs = UNITS_MS.find((u) => u > verdict.unitMs) ?? verdict.unitMs * 2;
    const [run] = await this.runOnce([program], unitMs);
    return run!;
  }

  close(): Promise<void> {
    if (this.#exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.#child.once('exit', () => resolve());
      this.#child.stdin!.end();
    });
  }
}
