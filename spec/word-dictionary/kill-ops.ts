/**
 * The op stream of the SIGKILL runs (sigkill.spec.ts), shared by the child that runs it
 * (kill-child.ts) and the spec that checks what survived. Op i of a stream depends only on the
 * seed, on whether compactions are mixed in, and on i, so the spec can name the op that was in
 * flight when the child died. It draws from `#support/random`, not `#support/seed`, which loads
 * vitest and would add most of a second to every child's start.
 */
import { Random } from '#support/random';

export type KillOp = { op: 'put'; word: string; meaning: string } | { op: 'delete'; word: string } | { op: 'compact' };

/** The words a stream draws from (a few per seed): non-ASCII, commas, quotes and line breaks. */
export const KILL_WORDS = ['apple', 'café', 'naïve', 'Straße', '中文', '日本語', '🙂', 'a,b', 'say "hi"', 'two\nlines', 'crlf\r\nword', 'x'];

/** A fresh meaning for op i: unique per op (but for the rare empty one), often with CSV's special characters. */
function meaning(random: Random, word: string, i: number): string {
  switch (random.int(0, 9)) {
    case 0:
      return '';
    case 1:
      return `#${i} ${'long, '.repeat(random.int(50, 800))}end`;
    case 2:
      return `#${i}: "${word}", quoted "twice"`;
    case 3:
      return `#${i} over\nthree\r\nlines, é 中文 🙂`;
    case 4:
      return `#${i} ,,, ""`;
    default:
      return `#${i} ${word}, meaning ${random.int(0, 999)}`;
  }
}

/**
 * The endless op stream of a seed: mostly puts, some deletes, over 3 to 7 words (so words are
 * overwritten and deleted often) and, with `compaction`, about one compaction in 14 ops.
 */
export function* killOps(seed: number, compaction: boolean): Generator<KillOp, never> {
  const random = new Random(seed);
  const pool = [...KILL_WORDS];
  const words: string[] = [];
  for (let n = random.int(3, 7); words.length < n; ) words.push(...pool.splice(random.int(0, pool.length - 1), 1));
  for (let i = 0; ; i++) {
    const r = random.next();
    const word = random.pick(words);
    if (compaction && r < 0.07) yield { op: 'compact' };
    else if (r < 0.3) yield { op: 'delete', word };
    else yield { op: 'put', word, meaning: meaning(random, word, i) };
  }
}

/** The first `n` ops of a stream. */
export function firstOps(seed: number, compaction: boolean, n: number): KillOp[] {
  const out: KillOp[] = [];
  const it = killOps(seed, compaction);
  while (out.length < n) out.push(it.next().value);
  return out;
}

/**
 * The acknowledgement of op i (no whitespace, as ack() requires): `i|put|<word>|<meaning>`,
 * `i|delete|<word>|<1 if the word was there, else 0>` or `i|compact`, words and meanings
 * percent-encoded.
 */
export function ackId(i: number, o: KillOp, existed?: boolean): string {
  if (o.op === 'put') return `${i}|put|${encodeURIComponent(o.word)}|${encodeURIComponent(o.meaning)}`;
  if (o.op === 'delete') return `${i}|delete|${encodeURIComponent(o.word)}|${existed ? 1 : 0}`;
  return `${i}|compact`;
}

export interface Acked {
  seq: number;
  op: KillOp;
  /** For a delete: whether it found the word. */
  existed?: boolean;
}

/** Reads an acknowledgement back; throws on anything ackId does not write. */
export function parseAck(id: string): Acked {
  const [seq, op, word, last, ...rest] = id.split('|');
  const bad = () => new Error(`not an acknowledgement of the op stream: ${JSON.stringify(id)}`);
  if (!seq || !/^\d+$/.test(seq) || rest.length > 0) throw bad();
  if (op === 'compact' && word === undefined) return { seq: Number(seq), op: { op: 'compact' } };
  if (word === undefined || last === undefined) throw bad();
  if (op === 'put') return { seq: Number(seq), op: { op: 'put', word: decodeURIComponent(word), meaning: decodeURIComponent(last) } };
  if (op === 'delete' && (last === '0' || last === '1')) return { seq: Number(seq), op: { op: 'delete', word: decodeURIComponent(word) }, existed: last === '1' };
  throw bad();
}
