import { performance } from 'node:perf_hooks';
import { describe, expect, test } from 'vitest';
import { RespParser, RespProtocolError, encode, type Reply } from '#kata/in-memory-cache';
import { checkProperty, fc } from '#support/property';
import { command } from './helpers.ts';

/** Feeds the chunks one by one, draining commands after each (as a server does). */
function parseChunks(chunks: Uint8Array[], parser = new RespParser()): string[][] {
  const out: string[][] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let cmd = parser.next(); cmd !== undefined; cmd = parser.next()) out.push(cmd.map((b) => b.toString('latin1')));
  }
  return out;
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

function protocolError(input: string | Buffer): string {
  try {
    parseChunks([typeof input === 'string' ? bytes(input) : input]);
  } catch (err) {
    if (err instanceof RespProtocolError) return err.message;
    throw err;
  }
  return 'no error';
}

/** Cuts `buf` at the given offsets (sorted, deduplicated) into pieces. */
function cut(buf: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (buf.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(buf.subarray(from, p));
    from = p;
  }
  pieces.push(buf.subarray(from));
  return pieces;
}

describe('stage 1: RESP parser', () => {
  test('encode writes every RESP2 reply type byte for byte', () => {
    const cases: Array<[Reply, string]> = [
      [{ type: 'simple', value: 'OK' }, '+OK\r\n'],
      [{ type: 'error', message: 'ERR syntax error' }, '-ERR syntax error\r\n'],
      [{ type: 'integer', value: 42 }, ':42\r\n'],
      [{ type: 'integer', value: -7 }, ':-7\r\n'],
      [{ type: 'integer', value: 9223372036854775807n }, ':9223372036854775807\r\n'],
      [{ type: 'bulk', value: 'hello' }, '$5\r\nhello\r\n'],
      [{ type: 'bulk', value: '' }, '$0\r\n\r\n'],
      [{ type: 'bulk', value: null }, '$-1\r\n'],
      [{ type: 'bulk', value: Buffer.from('a\r\nb') }, '$4\r\na\r\nb\r\n'],
      [{ type: 'array', items: [] }, '*0\r\n'],
      [{ type: 'array', items: null }, '*-1\r\n'],
      [
        { type: 'array', items: [{ type: 'bulk', value: 'a' }, { type: 'bulk', value: null }, { type: 'integer', value: 1 }, { type: 'array', items: [{ type: 'simple', value: 'x' }] }] },
        '*4\r\n$1\r\na\r\n$-1\r\n:1\r\n*1\r\n+x\r\n',
      ],
    ];
    for (const [reply, wire] of cases) expect(encode(reply).toString('latin1'), `encoding ${JSON.stringify(wire)}`).toBe(wire);
  });

  test('encode counts bulk string lengths in bytes, not characters', () => {
    expect(encode({ type: 'bulk', value: 'é' })).toEqual(Buffer.from('$2\r\né\r\n'));
    expect(encode({ type: 'bulk', value: '€uro' })).toEqual(Buffer.from('$6\r\n€uro\r\n'));
    const binary = Buffer.from([0, 255, 13, 10, 128]);
    expect(encode({ type: 'bulk', value: binary })).toEqual(Buffer.concat([Buffer.from('$5\r\n'), binary, Buffer.from('\r\n')]));
  });

  test('encode replaces CR and LF inside errors and simple strings with spaces', () => {
    expect(encode({ type: 'error', message: 'ERR bad\r\nthing' }).toString()).toBe('-ERR bad  thing\r\n');
    expect(encode({ type: 'simple', value: 'a\nb' }).toString()).toBe('+a b\r\n');
  });

  test('parses one multibulk command into its arguments', () => {
    const parser = new RespParser();
    parser.push(bytes('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n'));
    expect(parser.next()?.map(String)).toEqual(['SET', 'key', 'value']);
    expect(parser.next()).toBeUndefined();
    expect(parser.pending).toBe(0);
  });

  test('returns undefined until a command is complete, then returns it exactly once', () => {
    const parser = new RespParser();
    const wire = bytes('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
    parser.push(wire.subarray(0, 17));
    expect(parser.next()).toBeUndefined();
    expect(parser.next()).toBeUndefined();
    parser.push(wire.subarray(17, 19)); // 'k\r': the CRLF is split
    expect(parser.next()).toBeUndefined();
    parser.push(wire.subarray(19));
    expect(parser.next()?.map(String)).toEqual(['GET', 'k']);
    expect(parser.next()).toBeUndefined();
  });

  // Commands whose bytes contain everything that trips a parser: CRLF inside payloads, empty and
  // binary strings, an inline command and a command with no arguments.
  const pipeline = Buffer.concat([
    command('SET', 'k\r\n', 'v\r\nw'),
    command('GET', ''),
    bytes('PING\r\n'),
    command('MSET', Buffer.from([0, 13, 255]), Buffer.from([10, 13, 10]), 'b', '12345678901'),
    bytes('SET "a b" \'c d\'\n'),
    command('DBSIZE'),
  ]);
  const expected = [
    ['SET', 'k\r\n', 'v\r\nw'],
    ['GET', ''],
    ['PING'],
    ['MSET', '\x00\r\xff', '\n\r\n', 'b', '12345678901'],
    ['SET', 'a b', 'c d'],
    ['DBSIZE'],
  ];

  test('parses a pipeline split in two at every byte boundary', () => {
    for (let i = 0; i <= pipeline.length; i++) {
      expect(parseChunks([pipeline.subarray(0, i), pipeline.subarray(i)]), `split at byte ${i}`).toEqual(expected);
    }
  });

  test('parses a pipeline fed one byte at a time', () => {
    const chunks = [...pipeline].map((b) => Buffer.from([b]));
    expect(parseChunks(chunks)).toEqual(expected);
  });

  test('any commands, encoded and cut into random chunks, parse back to the same commands', async () => {
    const arg = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
    await checkProperty(
      fc.property(fc.array(fc.array(arg, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (cmds, offsets) => {
        const wire = Buffer.concat(cmds.map((c) => command(...c)));
        const parsed = parseChunks(cut(wire, offsets));
        expect(parsed).toEqual(cmds.map((c) => c.map((b) => b.toString('latin1'))));
      }),
      { numRuns: 300 },
    );
  });

  test('any prefix of a valid stream parses to a prefix of its commands without throwing', async () => {
    await checkProperty(
      fc.property(fc.array(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), fc.nat(), (cmds, at) => {
        const wire = Buffer.concat(cmds.map((c) => command(...c)));
        const parsed = parseChunks([wire.subarray(0, at % (wire.length + 1))]);
        const all = cmds.map((c) => c.map((s) => Buffer.from(s).toString('latin1')));
        expect(parsed).toEqual(all.slice(0, parsed.length));
      }),
      { numRuns: 300 },
    );
  });

  test('accepts inline commands ended by \\r\\n or a bare \\n and skips blank lines', () => {
    expect(parseChunks([bytes('PING\r\nGET  k\n\r\n   \r\n\nSET a b\r\n')])).toEqual([['PING'], ['GET', 'k'], ['SET', 'a', 'b']]);
  });

  test('splits inline arguments like redis-cli and Redis: quotes and escapes', () => {
    const cases: Array<[string, string[]]> = [
      ['SET k "hello world"', ['SET', 'k', 'hello world']],
      ["SET k 'it\\'s'", ['SET', 'k', "it's"]],
      ['SET k "a\\x41\\n\\t\\"q\\\\"', ['SET', 'k', 'aA\n\t"q\\']],
      ["SET k 'no \\n escapes'", ['SET', 'k', 'no \\n escapes']],
      ['SET k foo"bar baz"', ['SET', 'k', 'foobar baz']],
      ['SET k ""', ['SET', 'k', '']],
      ['  GET\tk  ', ['GET', 'k']],
    ];
    for (const [line, args] of cases) expect(parseChunks([bytes(`${line}\r\n`)]), line).toEqual([args]);
  });

  test('mixes inline and multibulk commands in one stream', () => {
    const wire = Buffer.concat([bytes('PING\r\n'), command('GET', 'a'), bytes('ECHO x\r\n'), command('PING')]);
    expect(parseChunks([wire])).toEqual([['PING'], ['GET', 'a'], ['ECHO', 'x'], ['PING']]);
  });

  test('skips *0 and *-1 and goes on with the next command', () => {
    expect(parseChunks([bytes('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n')])).toEqual([['PING']]);
  });

  test('parses an 8 MiB bulk string arriving in 1 KiB chunks in linear time', () => {
    const size = 8 * 1024 * 1024;
    const payload = Buffer.alloc(size, 'x');
    payload.write('start', 0);
    payload.write('end', size - 3);
    const wire = Buffer.concat([bytes(`*2\r\n$3\r\nSET\r\n$${size}\r\n`), payload, bytes('\r\n')]);
    const parser = new RespParser();
    const t0 = performance.now();
    let got: Buffer[] | undefined;
    for (let i = 0; i < wire.length; i += 1024) {
      parser.push(wire.subarray(i, i + 1024));
      got = parser.next() ?? got;
      // Copying everything buffered on each chunk would take minutes; give up early instead.
      if (performance.now() - t0 > 5000) {
        throw new Error(`still parsing after 5 s at byte ${i} of ${wire.length}: is every chunk copying the whole buffer?`);
      }
    }
    expect(got).toBeDefined();
    expect(got![0]!.toString()).toBe('SET');
    expect(got![1]!.length).toBe(size);
    expect(got![1]!.equals(payload)).toBe(true);
  });

  test("reports malformed input as RespProtocolError with Redis's messages", () => {
    const cases: Array<[string, string]> = [
      ['*abc\r\n', 'Protocol error: invalid multibulk length'],
      ['*01\r\n', 'Protocol error: invalid multibulk length'],
      ['*+1\r\n', 'Protocol error: invalid multibulk length'],
      ['*2147483648\r\n', 'Protocol error: invalid multibulk length'],
      ['*1\r\n:5\r\n', "Protocol error: expected '$', got ':'"],
      ['*2\r\n$3\r\nGET\r\nk\r\n', "Protocol error: expected '$', got 'k'"],
      ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
      ['*1\r\n$x\r\n', 'Protocol error: invalid bulk length'],
      ['*1\r\n$536870913\r\n', 'Protocol error: invalid bulk length'],
      ['*1\r\n$3\r\nfoobar\r\n', 'Protocol error: expected CRLF after bulk string'],
      ['*1\r\n$3\r\nfo\r\n\r\n', 'Protocol error: expected CRLF after bulk string'],
      ['SET k "unterminated\r\n', 'Protocol error: unbalanced quotes in request'],
      ['SET k "a"b\r\n', 'Protocol error: unbalanced quotes in request'],
      ["SET k 'a\r\n", 'Protocol error: unbalanced quotes in request'],
      ['x'.repeat(65 * 1024), 'Protocol error: too big inline request'],
      [`*${'1'.repeat(65 * 1024)}`, 'Protocol error: too big mbulk count string'],
      [`*1\r\n$${'1'.repeat(65 * 1024)}`, 'Protocol error: too big bulk count string'],
    ];
    for (const [input, message] of cases) expect(protocolError(input), JSON.stringify(input.slice(0, 40))).toBe(message);
  });

  test('returns the commands before a malformed frame, then throws on the frame', () => {
    const parser = new RespParser();
    parser.push(bytes('*1\r\n$4\r\nPING\r\nGET a\r\n*x\r\n'));
    expect(parser.next()?.map(String)).toEqual(['PING']);
    expect(parser.next()?.map(String)).toEqual(['GET', 'a']);
    expect(() => parser.next()).toThrow(RespProtocolError);
  });

  test('arbitrary bytes yield commands or a RespProtocolError, never another exception', async () => {
    // Valid frames, fragments of frames and random bytes, glued together and chunked.
    const piece = fc.oneof(
      fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 3 }).map((args) => command(...args)),
      fc.constantFrom('*', '$', '\r', '\n', '\r\n', '*1\r\n', '$3\r\n', '*-1\r\n', '$-1\r\n', 'PING\r\n', '"', "'", '\\x4', '*99\r\n', '$999\r\n').map(bytes),
      fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
    );
    await checkProperty(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (pieces, offsets) => {
        try {
          parseChunks(cut(Buffer.concat(pieces), offsets));
        } catch (err) {
          if (!(err instanceof RespProtocolError)) throw err;
          expect(err.message).toMatch(/^Protocol error: /);
        }
      }),
      { numRuns: 500 },
    );
  });
});
