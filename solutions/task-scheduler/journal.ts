/**
 * The schedule's journal: an append-only file of job states, one line per state change.
 *
 *   <crc32 of the JSON, 8 hex digits> <JSON of the job's whole state>\n
 *
 * Every change writes the job's complete state, so replay is "the last line per job id wins" and
 * compaction is "write the last line of each job to a new file and rename it over the old one".
 * An append resolves only after fdatasync: a state the scheduler acted on is on the disk.
 *
 * Only the last line can be torn (each append is synced before the next is written). So a bad
 * line followed by no good line is a torn tail and is cut off; a bad line with a good one after it
 * is damage inside synced data: JournalCorruptError, never skipped.
 */
import path from 'node:path';
import { crc32 } from '../checksum/index.ts';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { JournalCorruptError, type JobState } from './types.ts';

export const JOURNAL_FILE = 'schedule.journal';
const TMP_FILE = 'schedule.journal.tmp';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeLine(state: JobState): Uint8Array {
  const json = JSON.stringify(state);
  const body = encoder.encode(json);
  return encoder.encode(`${crc32(body).toString(16).padStart(8, '0')} ${json}\n`);
}

/** The state on one line (without its newline), or undefined when the line is not intact. */
function decodeLine(line: Uint8Array): JobState | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const stored = decoder.decode(line.subarray(0, 8));
  if (!/^[0-9a-f]{8}$/.test(stored)) return undefined;
  const body = line.subarray(9);
  if (crc32(body) !== parseInt(stored, 16)) return undefined;
  try {
    const state = JSON.parse(decoder.decode(body)) as JobState;
    return state && typeof state.id === 'string' ? state : undefined;
  } catch {
    return undefined;
  }
}

export interface Replay {
  /** The last state of every job, in the order jobs first appeared. */
  states: Map<string, JobState>;
  /** Lines read (intact ones). */
  records: number;
}

export class Journal {
  #fd: number;
  #size: number;
  #records: number;
  /** Appends run one at a time, in call order. */
  #tail: Promise<void> = Promise.resolve();
  #failed: unknown;
  #closed = false;

  private constructor(
    readonly fs: StoreFs,
    readonly dir: string,
    fd: number,
    size: number,
    records: number,
  ) {
    this.#fd = fd;
    this.#size = size;
    this.#records = records;
  }

  get records(): number {
    return this.#records;
  }

  /**
   * Opens (creating `dir` and the journal if needed), cuts a torn tail, and replays. With
   * `compactAbove`, a journal of more lines than that is first rewritten with one line per job.
   */
  static async open(dir: string, fs: StoreFs = nodeFs, compactAbove = Infinity): Promise<{ journal: Journal; replay: Replay }> {
    await ensureDir(fs, dir);
    const file = path.join(dir, JOURNAL_FILE);
    // A leftover temp file is a compaction that crashed before its rename: the journal is intact.
    if (await fs.exists(path.join(dir, TMP_FILE))) {
      await fs.unlink(path.join(dir, TMP_FILE));
      await fs.fsyncDir(dir);
    }
    const created = !(await fs.exists(file));
    let fd = await fs.open(file, created ? 'wx+' : 'r+');
    if (created) await fs.fsyncDir(dir); // the new file must survive a power cut
    try {
      const buf = await readWhole(fs, fd);
      const { states, records, end } = scan(buf, file);
      if (end < buf.length) await fs.ftruncate(fd, end); // the torn tail
      // What replay saw must stay: it may sit in the page cache only (a killed process).
      await fs.fdatasync(fd);
      let size = end;
      let count = records;
      if (records > compactAbove && records > states.size) {
        await fs.close(fd);
        fd = -1;
        ({ fd, size } = await compact(fs, dir, states));
        count = states.size;
      }
      return { journal: new Journal(fs, dir, fd, size, count), replay: { states, records } };
    } catch (err) {
      if (fd >= 0) await fs.close(fd).catch(() => undefined);
      throw err;
    }
  }

  /** Appends one job state; resolves once it is durable. After a failed write or sync every append fails. */
  append(state: JobState): Promise<void> {
    const line = encodeLine(state);
    const run = this.#tail.then(async () => {
      if (this.#closed) throw new Error('journal is closed');
      if (this.#failed !== undefined) throw this.#failed;
      try {
        for (let done = 0; done < line.length; ) {
          const n = await this.fs.write(this.#fd, line, done, line.length - done, this.#size + done);
          if (n <= 0) throw new Error('journal write made no progress');
          done += n;
        }
        this.#size += line.length;
        await this.fs.fdatasync(this.#fd);
        this.#records++;
      } catch (err) {
        // Never retry a failed fsync: the kernel may have dropped the dirty pages.
        this.#failed = err;
        throw err;
      }
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.#tail;
    if (this.#closed) return;
    this.#closed = true;
    await this.fs.close(this.#fd);
  }
}

/** Reads lines until the first that is not intact, and decides torn tail or corruption. */
function scan(buf: Uint8Array, file: string): { states: Map<string, JobState>; records: number; end: number } {
  const states = new Map<string, JobState>();
  let at = 0;
  let records = 0;
  let line = 1;
  while (at < buf.length) {
    const nl = buf.indexOf(0x0a, at);
    const state = nl < 0 ? undefined : decodeLine(buf.subarray(at, nl));
    if (!state) {
      if (intactLineAfter(buf, nl < 0 ? buf.length : nl + 1)) {
        throw new JournalCorruptError(file, at, line, 'a damaged line sits before intact ones, so this is not a torn write');
      }
      return { states, records, end: at };
    }
    states.set(state.id, state);
    records++;
    line++;
    at = nl + 1;
  }
  return { states, records, end: at };
}

function intactLineAfter(buf: Uint8Array, from: number): boolean {
  for (let at = from; at < buf.length; ) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) return false;
    if (decodeLine(buf.subarray(at, nl))) return true;
    at = nl + 1;
  }
  return false;
}

/** Writes one line per job to a temp file, syncs it, renames it over the journal, syncs the directory. */
async function compact(fs: StoreFs, dir: string, states: Map<string, JobState>): Promise<{ fd: number; size: number }> {
  const tmp = path.join(dir, TMP_FILE);
  const lines = [...states.values()].map(encodeLine);
  const size = lines.reduce((n, l) => n + l.length, 0);
  const buf = new Uint8Array(size);
  let at = 0;
  for (const l of lines) {
    buf.set(l, at);
    at += l.length;
  }
  const fd = await fs.open(tmp, 'w+');
  try {
    for (let done = 0; done < size; ) {
      const n = await fs.write(fd, buf, done, size - done, done);
      if (n <= 0) throw new Error('journal compaction write made no progress');
      done += n;
    }
    await fs.fdatasync(fd); // the new content is durable before it replaces the old
    await fs.rename(tmp, path.join(dir, JOURNAL_FILE));
    await fs.fsyncDir(dir); // and the rename itself
    return { fd, size };
  } catch (err) {
    await fs.close(fd).catch(() => undefined);
    throw err;
  }
}

async function ensureDir(fs: StoreFs, dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !(await fs.exists(d)); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  if (missing.length === 0) return;
  await fs.mkdir(dir, { recursive: true });
  for (const d of missing) await fs.fsyncDir(path.dirname(d));
}

async function readWhole(fs: StoreFs, fd: number): Promise<Uint8Array> {
  const { size } = await fs.fstat(fd);
  const buf = new Uint8Array(size);
  for (let done = 0; done < size; ) {
    const n = await fs.read(fd, buf, done, size - done, done);
    if (n === 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}
