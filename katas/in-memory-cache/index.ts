/**
 * A Redis-compatible cache: RESP2 over TCP, string keys with expiry, approximated LRU eviction
 * under a memory limit. Read README.md first; `npm run hint in-memory-cache` when stuck.
 *
 * Suggested layout (split into more files if you like; the spec imports only this one):
 *   - RESP: `RespParser` (bytes in, commands out) and `encode` (replies out)      stage 1
 *   - a keyspace: Map of entries + the arrays that make random sampling O(1)      stages 2-4
 *   - a command table: name → arity + handler returning a `Reply`                 stages 2-3
 *   - the TCP server gluing them together, one parser per connection              stages 2, 5
 */
import { todo } from '../not-implemented.ts';

// ---------------------------------------------------------------------------------------------
// Stage 1: RESP2
// ---------------------------------------------------------------------------------------------

/**
 * Malformed input. Throw it with the detail only: `new RespProtocolError('invalid bulk length')`
 * has the message `Protocol error: invalid bulk length`, exactly what Redis puts after `-ERR `.
 */
export class RespProtocolError extends Error {
  readonly code = 'RESP_PROTOCOL_ERROR';
  constructor(detail: string) {
    super(`Protocol error: ${detail}`);
    this.name = 'RespProtocolError';
  }
}

/** A reply as the server means it; `encode` turns it into RESP2 bytes. */
export type Reply =
  | { type: 'simple'; value: string } //                    +OK\r\n
  | { type: 'error'; message: string } //                   -ERR syntax error\r\n
  | { type: 'integer'; value: number | bigint } //          :42\r\n
  | { type: 'bulk'; value: Buffer | string | null } //      $5\r\nhello\r\n   (null: $-1\r\n)
  | { type: 'array'; items: Reply[] | null }; //            *2\r\n...          (null: *-1\r\n)

/**
 * The RESP2 bytes of one reply.
 *
 * - Strings become UTF-8; a bulk string's length counts bytes, not characters ("é" is `$2`).
 * - CR and LF inside a simple string or an error become spaces (a line cannot contain them).
 * - Arrays nest: encode each item after the `*<count>` header.
 */
export function encode(reply: Reply): Buffer {
  // TODO: switch on reply.type and build the bytes. A server sends many small replies per read,
  // so consider an internal `encodeInto(reply, parts: Buffer[])` and one Buffer.concat per batch.
  return todo('in-memory-cache', 'encode');
}

/**
 * A streaming request parser: `push` bytes as they arrive, then call `next` until it returns
 * undefined. TCP cuts the stream anywhere — inside a length, between \r and \n, in the middle of
 * a 10 MiB value — so nothing may assume a chunk holds a whole command.
 *
 * Two request forms, told apart by the first byte of each command:
 *  - `*` multibulk: `*<n>\r\n` then n times `$<len>\r\n<len bytes>\r\n` (what every client sends);
 *    `*0` and `*-1` carry no command and are skipped.
 *  - anything else is an inline command: one line ended by \n (an optional \r before it is
 *    dropped), split into arguments like redis-cli does (see README: quotes and escapes). Blank
 *    lines are skipped.
 *
 * Errors (`RespProtocolError`, see the README for the exact list and messages): a count or length
 * that is not a strict integer, a bulk header not starting with `$`, a payload not followed by
 * \r\n, unbalanced quotes, a line longer than 64 KiB without its end.
 */
export class RespParser {
  constructor() {
    // TODO: a buffer for received bytes and the state of the command being read (how many
    // arguments are still to come, the length of the bulk string being read), so bytes are never
    // parsed twice. Appending by Buffer.concat of everything on every chunk is quadratic.
    todo('in-memory-cache', 'RespParser');
  }

  /** Appends bytes received from the connection. */
  push(chunk: Uint8Array): void {
    return todo('in-memory-cache', 'RespParser.push');
  }

  /** Bytes received but not yet returned as part of a command. */
  get pending(): number {
    return todo('in-memory-cache', 'RespParser.pending');
  }

  /**
   * The next complete command as its arguments (`[<GET>, <k>]`, each a Buffer you own), or
   * undefined when more bytes are needed. Commands before a malformed frame are returned first;
   * the call that reaches the bad bytes throws `RespProtocolError`.
   */
  next(): Buffer[] | undefined {
    return todo('in-memory-cache', 'RespParser.next');
  }
}

// ---------------------------------------------------------------------------------------------
// Stages 2-5: the server
// ---------------------------------------------------------------------------------------------

/** Bytes charged per key on top of its key and value bytes (see the README's memory model). */
export const ENTRY_OVERHEAD = 50;

export interface CacheServerOptions {
  /** Memory limit in bytes as the README's model counts it; 0 (the default) means no limit. */
  maxmemory?: number;
  /** Keys sampled per eviction (Redis's maxmemory-samples, default 5). */
  maxmemorySamples?: number;
  /**
   * Background expiry: cycles per second and keys sampled per round (default { hz: 10,
   * sample: 20 }). false stops the timer; `activeExpireCycle()` still works (sample 20).
   */
  activeExpiry?: { hz: number; sample: number } | false;
  /** The clock, in Unix milliseconds (default Date.now). Every expiry decision reads it. */
  now?: () => number;
  /** Uniform numbers in [0, 1) for sampling (default Math.random). */
  random?: () => number;
}

export interface CacheStats {
  /** Keys stored, including expired keys not yet removed (what DBSIZE replies). */
  keys: number;
  /** Sum over keys of key bytes + value bytes + ENTRY_OVERHEAD (INFO's used_memory). */
  usedMemory: number;
  /** Keys removed because they expired, lazily or actively (INFO's expired_keys). */
  expiredKeys: number;
  /** Keys removed to get under maxmemory (INFO's evicted_keys). */
  evictedKeys: number;
  /** Open client connections. */
  connectedClients: number;
  /** Commands received (including QUIT and unknown ones). */
  totalCommands: number;
}

export interface CacheServer {
  /** Starts accepting connections (port 0 picks a free port; host defaults to 127.0.0.1). */
  listen(port?: number, host?: string): Promise<{ port: number; host: string }>;
  /** Stops the expiry timer, closes every connection and the listener. */
  close(): Promise<void>;
  /** Runs one active-expiry cycle now; returns the number of keys it removed. */
  activeExpireCycle(): number;
  stats(): CacheStats;
}

/**
 * A Redis-compatible cache server; call `listen` to start it. The commands, their replies and
 * error strings are listed in the README; they match Redis 7 byte for byte.
 *
 * Per connection: push each chunk into a RespParser, run every complete command in order, and
 * write all their replies back in one write. Before each command, if `maxmemory` is set and
 * exceeded, evict (README: approximated LRU). On RespProtocolError: send the replies so far, then
 * `-ERR <message>`, then close that connection only.
 */
export function createCacheServer(opts: CacheServerOptions = {}): CacheServer {
  // TODO: validate opts, create the keyspace and a net.Server; listen() starts the expiry timer
  // (setInterval at 1000 / hz ms, unref'd) and close() clears it and destroys open sockets.
  return todo('in-memory-cache', 'createCacheServer');
}
