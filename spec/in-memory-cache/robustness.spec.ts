import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { createCacheServer } from '#kata/in-memory-cache';
import { checkProperty, fc } from '#support/property';
import { RawClient, command, connectIoredis, decodeReplies, sleep, text, withServer, withTimeout, type RawReply } from './helpers.ts';

const isProtocolError = (r: RawReply) => typeof r === 'string' && r.startsWith('-ERR Protocol error');

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

describe('stage 5: robustness', () => {
  test('a malformed frame gets -ERR Protocol error after the earlier replies, then the server hangs up', async () => {
    const cases: Array<[Buffer, string[]]> = [
      [Buffer.concat([command('PING'), Buffer.from('*x\r\n')]), ['+PONG', '-ERR Protocol error: invalid multibulk length']],
      [Buffer.concat([command('SET', 'a', '1'), Buffer.from('*1\r\n:5\r\n')]), ['+OK', "-ERR Protocol error: expected '$', got ':'"]],
      [Buffer.from('*1\r\n$-3\r\n'), ['-ERR Protocol error: invalid bulk length']],
      [Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nab\r\n'), ['-ERR Protocol error: expected CRLF after bulk string']],
      [Buffer.from('PING\r\nSET a "b\r\nPING\r\n'), ['+PONG', '-ERR Protocol error: unbalanced quotes in request']],
      [Buffer.from('x'.repeat(70 * 1024)), ['-ERR Protocol error: too big inline request']],
    ];
    await withServer({}, async ({ client, raw }) => {
      const good = await client();
      await good.set('k', 'v');
      for (const [bytes, expected] of cases) {
        const r = await raw();
        await r.send(bytes);
        expect((await r.replies(expected.length)).map(text), JSON.stringify(bytes.toString('latin1').slice(0, 40))).toEqual(expected);
        await r.serverCloses();
        expect(r.received.length, 'nothing after the error').toBe(expected.reduce((n, e) => n + e.length + 2, 0));
        expect(await good.get('k')).toBe('v');
      }
    });
  });

  test('after a protocol error the server still serves existing and new clients', async () => {
    await withServer({}, async ({ server, client, raw }) => {
      const before = await client();
      await before.set('k', 'v');
      const bad = await raw();
      await bad.send('*1\r\n$x\r\n');
      await bad.serverCloses();
      await until(() => server.stats().connectedClients === 1, 'the bad connection is gone from connectedClients');
      expect(await before.get('k')).toBe('v');
      const after = await client();
      expect(await after.get('k')).toBe('v');
      expect(await after.incr('n')).toBe(1);
      expect(server.stats().connectedClients).toBe(2);
    });
  });

  test('fuzz: any bytes after valid commands get valid RESP back, and other clients never notice', async () => {
    // A valid prefix (with known replies), then fragments, corrupted frames and raw noise.
    const frame = fc.oneof(
      fc.constant({ wire: command('PING'), reply: '+PONG' as unknown }),
      fc.string({ maxLength: 10 }).map((s) => ({ wire: command('SET', 'fuzz:k', s), reply: '+OK' as unknown })),
      fc.constant({ wire: Buffer.from('PING\r\n'), reply: '+PONG' as unknown }),
      fc.constant({ wire: command('GET', 'sentinel'), reply: 'guarded' as unknown }),
    );
    const noise = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 48 }).map((a) => Buffer.from(a)),
      fc.tuple(frame, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([f, at, byte]) => {
        const b = Buffer.from(f.wire);
        b[at % b.length] = byte;
        return b;
      }),
      fc.tuple(frame, fc.nat()).map(([f, at]) => f.wire.subarray(0, at % f.wire.length)),
      fc.constantFrom('*', '$', '\r\n', '*1\r\n', '*3\r\n$3\r\nSET\r\n', '$-1\r\n', '*-1\r\n', '*0\r\n', '"', "'", '*1\r\n$999\r\n', '\x00').map((s) => Buffer.from(s, 'latin1')),
    );
    await withServer({}, async ({ server, port, client }) => {
      const good = await client();
      await good.set('sentinel', 'guarded');
      await checkProperty(
        fc.asyncProperty(fc.array(frame, { maxLength: 5 }), fc.array(noise, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 6 }), async (prefix, tail, cuts) => {
          const wire = Buffer.concat([...prefix.map((f) => f.wire), ...tail]);
          const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const r = await RawClient.connect(port);
          try {
            let from = 0;
            for (const p of [...points, wire.length]) {
              await r.send(wire.subarray(from, p));
              from = p;
            }
            r.socket.end(); // done sending: the server must finish and close its side too
            await withTimeout(r.closed, 3000, 'the server did not close after the client hung up');
          } finally {
            r.close();
          }
          const { replies, used } = decodeReplies(r.received);
          expect(used, `trailing bytes that are not a complete RESP reply: ${JSON.stringify(r.received.subarray(used).toString('latin1'))}`).toBe(r.received.length);
          expect(replies.slice(0, prefix.length).map(text)).toEqual(prefix.map((f) => f.reply));
          const errorAt = replies.findIndex(isProtocolError);
          if (errorAt >= 0) expect(errorAt, 'a protocol error is the last reply on its connection').toBe(replies.length - 1);
          expect(await good.get('sentinel')).toBe('guarded');
        }),
        { numRuns: 60 },
      );
      expect(await good.ping()).toBe('PONG');
      await until(() => server.stats().connectedClients === 1, 'every fuzz connection is closed');
    });
  });

  test('a client sending one byte at a time gets every reply', async () => {
    await withServer({}, async ({ raw }) => {
      const r = await raw();
      const wire = Buffer.concat([command('SET', 'k', 'a\r\nb'), command('GET', 'k'), Buffer.from('INCR n\r\n'), command('MGET', 'k', 'n'), command('PING')]);
      for (const byte of wire) {
        await r.send(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect((await r.replies(5)).map(text)).toEqual(['+OK', 'a\r\nb', ':1', ['a\r\nb', '1'], '+PONG']);
    });
  });

  test('many concurrent clients: 20 clients incrementing one counter add up exactly', async () => {
    await withServer({}, async ({ client }) => {
      const clients = await Promise.all(Array.from({ length: 20 }, () => client()));
      await Promise.all(
        clients.map(async (c, id) => {
          for (let i = 0; i < 15; i++) {
            await c.incr('counter');
            await c.set(`own:${id}`, String(i));
            if (i % 10 === 0) await c.pipeline().incr('counter').incr('counter').decr('counter').exec();
          }
        }),
      );
      const check = clients[0]!;
      expect(await check.get('counter')).toBe(String(20 * (15 + 2)));
      expect(await check.mget(...clients.map((_, id) => `own:${id}`))).toEqual(clients.map(() => '14'));
    });
  });

  test('clients that vanish mid-command or without reading their replies do not disturb others', async () => {
    await withServer({}, async ({ server, port, client }) => {
      const good = await client();
      await good.set('k', 'v');
      for (let i = 0; i < 20; i++) {
        const r = await RawClient.connect(port);
        const pipeline = Buffer.concat(Array.from({ length: 200 }, () => command('GET', 'k')));
        await r.send(i % 2 === 0 ? pipeline.subarray(0, 1000 + i) : pipeline);
        r.close(); // gone without reading: the server's writes may fail with EPIPE/ECONNRESET
        expect(await good.get('k')).toBe('v');
      }
      await until(() => server.stats().connectedClients === 1, 'the vanished clients are forgotten');
      expect(await good.incr('n')).toBe(1);
    });
  });

  test('a 2 MiB value sent by ioredis comes back whole', async () => {
    await withServer({}, async ({ client, raw }) => {
      const c = await client();
      const big = Buffer.alloc(2 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
      expect(await c.set('big', big)).toBe('OK');
      expect(await c.exists('big')).toBe(1);
      // Read back over a raw socket: ioredis's parser keeps a timer running for a while after a
      // reply this big, which the leak check would count.
      const r = await raw();
      await r.send(command('GET', 'big'));
      const [reply] = await r.replies(1);
      expect(Buffer.isBuffer(reply) && reply.equals(big)).toBe(true);
    });
  });

  test('QUIT replies OK and the server closes the connection, ignoring what follows', async () => {
    await withServer({}, async ({ raw }) => {
      const r = await raw();
      await r.send(Buffer.concat([command('PING'), command('QUIT'), command('PING')]));
      await r.serverCloses();
      expect(r.received.toString()).toBe('+PONG\r\n+OK\r\n');
    });
  });

  test('close() disconnects every client and stops listening', async () => {
    const server = createCacheServer();
    const { port } = await server.listen(0, '127.0.0.1');
    const r = await RawClient.connect(port);
    const c = await connectIoredis(port);
    try {
      expect(server.stats().connectedClients).toBe(2);
      await server.close();
      await withTimeout(r.closed, 2000, 'close() left a client connected');
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect({ port, host: '127.0.0.1' });
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
      expect(refused, 'a connection after close() is refused').toBe(true);
    } finally {
      r.close();
      if (c.status !== 'end') c.disconnect(); // after the server hung up, disconnect() would arm a 2 s timer
    }
  });
});
