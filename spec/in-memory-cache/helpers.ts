/**
 * Spec helpers for in-memory-cache: a server per test, ioredis clients that never reconnect, a raw
 * TCP client that reads RESP replies with its own small decoder, and a hand-driven clock.
 */
import net from 'node:net';
import Redis, { type RedisOptions } from 'ioredis';
import { createCacheServer, type CacheServer, type CacheServerOptions } from '#kata/in-memory-cache';

/** A reply as the raw client decodes it: status/error/integer lines as text ('+OK', '-ERR x',
 * ':3'), bulk strings as Buffers, nil as null, arrays as arrays. */
export type RawReply = string | Buffer | null | RawReply[];

/** Decodes as many complete replies as `buf` holds; `used` is how many bytes they took. */
export function decodeReplies(buf: Buffer): { replies: RawReply[]; used: number } {
  const replies: RawReply[] = [];
  let pos = 0;
  for (;;) {
    const r = decodeOne(buf, pos);
    if (!r) return { replies, used: pos };
    replies.push(r.reply);
    pos = r.end;
  }
}

function decodeOne(buf: Buffer, pos: number): { reply: RawReply; end: number } | undefined {
  if (pos >= buf.length) return undefined;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('latin1', pos, eol);
  const rest = line.slice(1);
  if (type === '+' || type === '-' || type === ':') return { reply: line, end: eol + 2 };
  if (type === '$') {
    const len = Number(rest);
    if (!Number.isInteger(len) || len < -1) throw new Error(`not RESP: bad bulk length line ${JSON.stringify(line)}`);
    if (len === -1) return { reply: null, end: eol + 2 };
    if (buf.length < eol + 2 + len + 2) return undefined;
    if (buf[eol + 2 + len] !== 13 || buf[eol + 3 + len] !== 10) throw new Error('not RESP: bulk string not followed by CRLF');
    return { reply: Buffer.from(buf.subarray(eol + 2, eol + 2 + len)), end: eol + 4 + len };
  }
  if (type === '*') {
    const n = Number(rest);
    if (!Number.isInteger(n) || n < -1) throw new Error(`not RESP: bad array length line ${JSON.stringify(line)}`);
    if (n === -1) return { reply: null, end: eol + 2 };
    const items: RawReply[] = [];
    let p = eol + 2;
    for (let i = 0; i < n; i++) {
      const r = decodeOne(buf, p);
      if (!r) return undefined;
      items.push(r.reply);
      p = r.end;
    }
    return { reply: items, end: p };
  }
  throw new Error(`not RESP: a reply cannot start with ${JSON.stringify(type)} (line ${JSON.stringify(line.slice(0, 60))})`);
}

/** When `buf` starts with the header of a bulk string reply, the bytes the whole reply takes. */
function bulkNeeds(buf: Buffer): number {
  if (buf[0] !== 36) return 0;
  const eol = buf.indexOf('\r\n');
  const len = eol < 0 ? NaN : Number(buf.toString('latin1', 1, eol));
  return Number.isInteger(len) && len > 0 ? eol + 2 + len + 2 : 0;
}

/** Replies with bulk strings turned into text, for readable assertions. */
export function text(r: RawReply): unknown {
  if (Buffer.isBuffer(r)) return r.toString('latin1');
  if (Array.isArray(r)) return r.map(text);
  return r;
}

/** Encodes a command the way clients do: an array of bulk strings. */
export function command(...args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A TCP client that speaks bytes; replies are decoded by this file's own decoder. */
export class RawClient {
  private chunks: Buffer[] = [];
  private length = 0;
  private waiters: Array<() => void> = [];
  /** Resolves when the server closes (or the socket dies). */
  readonly closed: Promise<void>;
  serverEnded = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.wake();
    });
    socket.on('end', () => {
      this.serverEnded = true;
      this.wake();
    });
    socket.on('error', () => this.wake());
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.wake());
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Everything received so far. */
  get received(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  send(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Waits for `n` complete replies (fails after `timeoutMs`, showing what did arrive). */
  async replies(n: number, timeoutMs = 3000): Promise<RawReply[]> {
    const deadline = Date.now() + timeoutMs;
    let need = 0; // bytes a big bulk reply still needs: no point decoding before they are here
    for (;;) {
      if (this.length >= need) {
        const { replies, used } = decodeReplies(this.received);
        if (replies.length >= n) return replies.slice(0, n);
        need = used + bulkNeeds(this.received.subarray(used));
      }
      const seen = () => `${decodeReplies(this.received).replies.length}: ${JSON.stringify(this.received.toString('latin1').slice(0, 300))}`;
      if (this.socket.destroyed && this.serverEnded) throw new Error(`connection closed before ${n} replies; got ${seen()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} replies; got ${seen()}`);
      await this.wait(deadline - Date.now());
    }
  }

  /** Waits until the server closes the connection; throws after `timeoutMs`. */
  async serverCloses(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.serverEnded && !this.socket.destroyed) {
      if (Date.now() > deadline) throw new Error('the server did not close the connection');
      await this.wait(deadline - Date.now());
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An ioredis client for the server under test: no reconnects, no offline queue surprises. */
export async function connectIoredis(port: number, extra: RedisOptions = {}): Promise<Redis> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    ...extra,
  });
  client.on('error', () => {}); // failures surface on the commands themselves
  await client.connect();
  return client;
}

export interface Running {
  server: CacheServer;
  port: number;
  /** A new ioredis client, disconnected when the test ends. */
  client(extra?: RedisOptions): Promise<Redis>;
  /** A new raw TCP client, closed when the test ends. */
  raw(): Promise<RawClient>;
}

/** Runs `body` against a fresh server on a free loopback port; closes everything afterwards. */
export async function withServer<T>(opts: CacheServerOptions, body: (s: Running) => Promise<T>): Promise<T> {
  const server = createCacheServer(opts);
  const { port } = await server.listen(0, '127.0.0.1');
  const cleanups: Array<() => void> = [];
  try {
    return await body({
      server,
      port,
      async client(extra) {
        const c = await connectIoredis(port, extra);
        cleanups.push(() => c.disconnect());
        return c;
      },
      async raw() {
        const c = await RawClient.connect(port);
        cleanups.push(() => c.close());
        return c;
      },
    });
  } finally {
    for (const c of cleanups) c();
    await server.close();
  }
}

/** INFO parsed into fields. */
export async function info(client: Redis): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await client.info()).split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** The error message of a rejected command, or a note that it did not fail. */
export async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    const v = await p;
    return `no error (replied ${JSON.stringify(v)})`;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Runs a list of commands as one ioredis pipeline and returns each reply as a comparable value:
 * the reply itself, or `{ error: message }`.
 */
export async function runPipeline(client: Redis, commands: string[][]): Promise<unknown[]> {
  const pipeline = client.pipeline();
  for (const [name, ...args] of commands) pipeline.call(name!, ...args);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => (err ? { error: (err as Error).message } : value));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `promise`, or a rejection with `message` after `ms` (the timer is cleared either way). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
