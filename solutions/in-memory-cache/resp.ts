/**
 * RESP2, the Redis serialization protocol: a streaming request parser and a reply encoder.
 *
 * Requests arrive as arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) or, from a human at
 * a telnet prompt, as inline lines (`GET k\r\n`). TCP delivers them in chunks cut anywhere, so the
 * parser buffers bytes and hands out a command only once it is complete.
 */

/** Malformed input. The message reads like Redis's: `Protocol error: invalid bulk length`. */
export class RespProtocolError extends Error {
  readonly code = 'RESP_PROTOCOL_ERROR';
  constructor(detail: string) {
    super(`Protocol error: ${detail}`);
    this.name = 'RespProtocolError';
  }
}

/** A reply as the server means it; `encode` turns it into RESP2 bytes. */
export type Reply =
  | { type: 'simple'; value: string }
  | { type: 'error'; message: string }
  | { type: 'integer'; value: number | bigint }
  | { type: 'bulk'; value: Buffer | string | null }
  | { type: 'array'; items: Reply[] | null };

/** Redis's limits (PROTO_INLINE_MAX_SIZE, proto-max-bulk-len, INT_MAX elements). */
export const MAX_LINE = 64 * 1024;
export const MAX_BULK = 512 * 1024 * 1024;
export const MAX_MULTIBULK = 2 ** 31 - 1;

const CR = 13;
const LF = 10;
const STAR = 42; // '*'
const DOLLAR = 36; // '$'
const CRLF = Buffer.from('\r\n');
const EMPTY: Buffer[] = [];

/**
 * A streaming parser. `push` bytes as they arrive, then call `next` until it returns undefined.
 *
 * Bytes live in one growable buffer (doubling like Redis's sds): appending is amortised O(1) per
 * byte, so a 16 MiB value that arrives in 1 KiB pieces costs one pass, not the quadratic
 * `Buffer.concat` of everything buffered on every chunk.
 */
export class RespParser {
  private buf = Buffer.allocUnsafe(16 * 1024);
  private start = 0; // first unconsumed byte
  private end = 0; // one past the last byte received

  // A multibulk command in progress survives across `next` calls, so nothing is parsed twice.
  private argsLeft = 0; // bulk strings still to read for the current command
  private args: Buffer[] = [];
  private bulkLen = -1; // length of the bulk string being read; -1 while reading its `$` header
  private scanFrom = 0; // where the search for the current line's CRLF resumes

  /** Appends bytes received from the connection. */
  push(chunk: Uint8Array): void {
    const len = chunk.length;
    if (len === 0) return;
    if (this.end + len > this.buf.length) this.makeRoom(len);
    this.buf.set(chunk, this.end);
    this.end += len;
  }

  /** Bytes received but not yet returned as part of a command. */
  get pending(): number {
    return this.end - this.start;
  }

  /**
   * The next complete command as its arguments (`[GET, k]`), or undefined when more bytes are
   * needed. Throws `RespProtocolError` when the bytes cannot be a command; the stream is then
   * unusable (a server replies with the error and closes the connection).
   */
  next(): Buffer[] | undefined {
    for (;;) {
      if (this.argsLeft === 0) {
        if (this.start === this.end) {
          // Empty: reuse the buffer from the front, and give back the room a huge value took.
          this.start = this.end = this.scanFrom = 0;
          if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(16 * 1024);
          return undefined;
        }
        if (this.buf[this.start] !== STAR) {
          const inline = this.inline();
          if (inline === undefined) return undefined;
          if (inline.length === 0) continue; // blank line: Redis ignores it
          return inline;
        }
        const eol = this.findCRLF();
        if (eol < 0) {
          if (this.pending > MAX_LINE) throw new RespProtocolError('too big mbulk count string');
          return undefined;
        }
        const n = parseLength(this.buf, this.start + 1, eol);
        if (n === null || n > MAX_MULTIBULK) throw new RespProtocolError('invalid multibulk length');
        this.start = eol + 2;
        if (n <= 0) continue; // `*0` and `*-1` carry no command
        this.argsLeft = n;
        this.args = [];
      }

      while (this.argsLeft > 0) {
        if (this.bulkLen < 0) {
          const eol = this.findCRLF();
          if (eol < 0) {
            if (this.pending > MAX_LINE) throw new RespProtocolError('too big bulk count string');
            return undefined;
          }
          const first = this.buf[this.start]!;
          if (first !== DOLLAR) throw new RespProtocolError(`expected '$', got '${String.fromCharCode(first)}'`);
          const len = parseLength(this.buf, this.start + 1, eol);
          if (len === null || len < 0 || len > MAX_BULK) throw new RespProtocolError('invalid bulk length');
          this.start = eol + 2;
          this.bulkLen = len;
        }
        // The payload and its CRLF must all be here: the length says exactly how many bytes.
        if (this.end - this.start < this.bulkLen + 2) return undefined;
        const dataEnd = this.start + this.bulkLen;
        // Redis skips these two bytes unchecked; checking them turns a wrong length into an error
        // instead of a silently misparsed stream.
        if (this.buf[dataEnd] !== CR || this.buf[dataEnd + 1] !== LF) {
          throw new RespProtocolError('expected CRLF after bulk string');
        }
        // Copy: `buf` is reused for later bytes.
        this.args.push(Buffer.from(this.buf.subarray(this.start, dataEnd)));
        this.start = dataEnd + 2;
        this.bulkLen = -1;
        this.argsLeft--;
      }
      const command = this.args;
      this.args = EMPTY;
      return command;
    }
  }

  /** An inline command line, [] for a blank line, undefined when its newline has not arrived. */
  private inline(): Buffer[] | undefined {
    const nl = this.buf.subarray(this.start, this.end).indexOf(LF);
    if (nl < 0) {
      if (this.pending > MAX_LINE) throw new RespProtocolError('too big inline request');
      return undefined;
    }
    let lineEnd = this.start + nl;
    if (lineEnd > this.start && this.buf[lineEnd - 1] === CR) lineEnd--; // \r\n or a bare \n
    const args = splitArgs(this.buf, this.start, lineEnd);
    this.start += nl + 1;
    return args;
  }

  /** Absolute index of the next CRLF at or after `start`, or -1. */
  private findCRLF(): number {
    // Resume where the last search stopped, so a long line arriving byte by byte is not
    // rescanned from its start each time.
    const from = Math.max(this.start, this.scanFrom);
    const i = this.buf.subarray(from, this.end).indexOf(CRLF);
    if (i >= 0) return from + i;
    // Back up one byte: the last byte may be a \r whose \n is in the next chunk.
    this.scanFrom = Math.max(this.start, this.end - 1);
    return -1;
  }

  private makeRoom(extra: number): void {
    const live = this.end - this.start;
    const needed = live + extra;
    if (needed <= this.buf.length / 2) {
      // Plenty of space once the consumed prefix is gone: slide the live bytes to the front.
      this.buf.copy(this.buf, 0, this.start, this.end);
    } else {
      let size = this.buf.length * 2;
      while (size < needed) size *= 2;
      const bigger = Buffer.allocUnsafe(size);
      this.buf.copy(bigger, 0, this.start, this.end);
      this.buf = bigger;
    }
    this.start = 0;
    this.end = live;
    this.scanFrom = 0; // positions moved; searching again from `start` is always safe
  }
}

/**
 * Redis's string2ll on bytes: an optional '-', then "0" alone or a digit 1-9 and more digits; no
 * '+', spaces or leading zeros; within 64-bit range. Returns null when the text is not such an
 * integer. Values past 2^53 come back approximate, which is fine for length limits.
 */
export function parseLength(buf: Uint8Array, from: number, to: number): number | null {
  const len = to - from;
  if (len <= 0 || len > 20) return null;
  let i = from;
  const negative = buf[i] === 45; // '-'
  if (negative) i++;
  if (i === to) return null;
  if (buf[i] === 48) return len === 1 ? 0 : null; // "0" only; "-0", "01" are not integers
  let v = 0;
  for (; i < to; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (to - from - (negative ? 1 : 0) >= 19) {
    // Near the 64-bit limits a double cannot tell; decide exactly.
    const exact = BigInt(Buffer.from(buf.subarray(from, to)).toString('latin1'));
    if (exact > 9223372036854775807n || exact < -9223372036854775808n) return null;
  }
  return negative ? -v : v;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13); // C isspace: ' ' \t \n \v \f \r
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const hexValue = (c: number) => (c <= 57 ? c - 48 : (c | 32) - 87);

/**
 * Splits an inline command line the way Redis's sdssplitargs does: arguments are separated by
 * spaces; "double quotes" allow spaces and the escapes \n \r \t \b \a \xHH (any other \c is c);
 * 'single quotes' allow spaces and \'. A closing quote must be followed by a space or the end.
 */
export function splitArgs(buf: Uint8Array, from: number, to: number): Buffer[] {
  const at = (i: number) => (i < to ? buf[i]! : 0); // C sees a NUL past the end
  const out: Buffer[] = [];
  let p = from;
  for (;;) {
    while (p < to && isSpace(buf[p]!)) p++;
    if (p >= to) return out;
    const current: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inDouble) {
        if (c === 92 && at(p + 1) === 120 && isHex(at(p + 2)) && isHex(at(p + 3))) {
          current.push(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 92 && p + 1 < to) {
          p++;
          const e = buf[p]!;
          current.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          if (p + 1 < to && !isSpace(buf[p + 1]!)) throw new RespProtocolError('unbalanced quotes in request');
          done = true;
        } else if (p >= to) {
          throw new RespProtocolError('unbalanced quotes in request');
        } else {
          current.push(c);
        }
      } else if (inSingle) {
        if (c === 92 && at(p + 1) === 39) {
          p++;
          current.push(39);
        } else if (c === 39) {
          if (p + 1 < to && !isSpace(buf[p + 1]!)) throw new RespProtocolError('unbalanced quotes in request');
          done = true;
        } else if (p >= to) {
          throw new RespProtocolError('unbalanced quotes in request');
        } else {
          current.push(c);
        }
      } else if (p >= to || c === 32 || c === 10 || c === 13 || c === 9) {
        done = true;
      } else if (c === 34) {
        inDouble = true;
      } else if (c === 39) {
        inSingle = true;
      } else {
        current.push(c);
      }
      if (p < to) p++;
    }
    out.push(Buffer.from(current));
  }
}

/** Simple strings and errors are one line: CR and LF become spaces, as Redis does for errors. */
const oneLine = (s: string) => (/[\r\n]/.test(s) ? s.replace(/[\r\n]/g, ' ') : s);

/** `$<len>\r\n` for short values, built once: most replies are small. */
const BULK_HEADERS = Array.from({ length: 1024 }, (_, len) => Buffer.from(`$${len}\r\n`));

/** Replies the server sends all the time, encoded once. */
const preEncoded = new WeakMap<Reply, Buffer>();

/** Marks a constant reply so `encodeInto` reuses its bytes (OK, PONG, nil, 0, 1, ...). */
export function constant<R extends Reply>(reply: R): R {
  preEncoded.set(reply, encode(reply));
  return reply;
}

/** Appends the RESP2 bytes of `reply` to `out` as pieces (no copy of bulk payloads). */
export function encodeInto(reply: Reply, out: Buffer[]): void {
  const cached = preEncoded.get(reply);
  if (cached) {
    out.push(cached);
    return;
  }
  switch (reply.type) {
    case 'simple':
      out.push(Buffer.from(`+${oneLine(reply.value)}\r\n`));
      return;
    case 'error':
      out.push(Buffer.from(`-${oneLine(reply.message)}\r\n`));
      return;
    case 'integer':
      out.push(Buffer.from(`:${reply.value}\r\n`));
      return;
    case 'bulk': {
      if (reply.value === null) {
        out.push(Buffer.from('$-1\r\n'));
        return;
      }
      // The length counts bytes, not characters: "é" is $2.
      const bytes = typeof reply.value === 'string' ? Buffer.from(reply.value) : reply.value;
      const len = bytes.length;
      out.push(len < BULK_HEADERS.length ? BULK_HEADERS[len]! : Buffer.from(`$${len}\r\n`), bytes, CRLF);
      return;
    }
    case 'array':
      if (reply.items === null) {
        out.push(Buffer.from('*-1\r\n'));
        return;
      }
      out.push(Buffer.from(`*${reply.items.length}\r\n`));
      for (const item of reply.items) encodeInto(item, out);
      return;
  }
}

/** The RESP2 bytes of one reply. */
export function encode(reply: Reply): Buffer {
  const out: Buffer[] = [];
  encodeInto(reply, out);
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
