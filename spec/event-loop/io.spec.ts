/**
 * Stage 5: the poll phase on real I/O, the pending phase and close callbacks. The socket tests use
 * the real clock and real TCP sockets on 127.0.0.1: your loop serves, a plain Node client (in
 * this process, outside your loop) talks to it. Timing assertions are about order or generous
 * counts, never tight milliseconds, so a busy machine does not make them flaky.
 */
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoop, type Phase } from '#kata/event-loop';
import { labels, virtualLoop } from './harness.ts';

/** Servers and clients of the running test, closed after it even if the loop under test threw. */
const opened: Array<net.Server | net.Socket> = [];
afterEach(async () => {
  for (const h of opened.splice(0)) {
    if (h instanceof net.Socket) h.destroy();
    else if (h.listening) await new Promise((r) => h.close(r));
  }
});

function connect(port: number): net.Socket {
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  opened.push(client);
  return client;
}

/** A server listening on 127.0.0.1 at a free port. */
async function listen(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer();
  opened.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** A plain Node client: sends each message and waits for its echo before the next. */
async function pingPong(port: number, messages: string[]): Promise<string[]> {
  const client = connect(port);
  await once(client, 'connect');
  const echoes: string[] = [];
  let buffered = '';
  for (const m of messages) {
    client.write(m);
    while (buffered.length < m.length) {
      const [chunk] = (await once(client, 'data')) as [Buffer];
      buffered += chunk.toString();
    }
    echoes.push(buffered.slice(0, m.length));
    buffered = buffered.slice(m.length);
  }
  client.end();
  await once(client, 'close');
  return echoes;
}

interface EchoLog {
  dataPhases: Set<Phase>;
  writePhases: Set<Phase>;
  closePhases: Set<Phase>;
}

/**
 * Serves echo on `server` with the loop: accept in poll, echo each chunk with loop.write, and when
 * the client ends, close the connection's watchers; after `connections` clients, close the server.
 */
function serveEcho(loop: EventLoop, server: net.Server, connections = 1): EchoLog {
  const seen: EchoLog = { dataPhases: new Set(), writePhases: new Set(), closePhases: new Set() };
  let accepted = 0;
  const accept = loop.watch(server, 'connection', (sock: net.Socket) => {
    sock.on('error', () => {});
    if (++accepted === connections) accept.close(() => server.close());
    const data = loop.watch(sock, 'data', (chunk: Buffer) => {
      seen.dataPhases.add(loop.phase);
      loop.write(sock, chunk, (err) => {
        expect(err).toBeNull();
        seen.writePhases.add(loop.phase);
      });
    });
    const end = loop.watch(sock, 'end', () => {
      data.close();
      end.close(() => seen.closePhases.add(loop.phase));
      sock.end();
    });
  });
  return seen;
}

describe('stage 5: I/O and close callbacks', () => {
  it('runs close callbacks in the close phase: after the check phase, before the next iteration\'s timers', async () => {
    const { loop, log, mark, phases } = virtualLoop();
    loop.setTimeout(() => {
      mark('timer')();
      loop.setTimeout(mark('timeout0'), 0);
      loop.onClose(mark('close'));
      loop.setImmediate(mark('immediate'));
      loop.nextTick(mark('tick'));
    }, 10);
    await loop.run();
    expect(log).toEqual(['timer@10', 'tick@10', 'immediate@10', 'close@10', 'timeout0@11']);
    expect(phases.get('close')).toBe('close');
  });

  it('a close callback queued by a close callback runs in the next iteration, after that iteration\'s immediates', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.onClose(() => {
      mark('close1')();
      loop.onClose(mark('close2'));
      loop.setImmediate(mark('immediate'));
    });
    await loop.run();
    expect(labels(log)).toEqual(['close1', 'immediate', 'close2']);
  });

  it('delivers watched events in the poll phase; a closed watcher gets nothing more, even events already received', async () => {
    const loop = new EventLoop();
    const source = new EventEmitter();
    const got: string[] = [];
    const phases: Phase[] = [];
    const w = loop.watch(source, 'msg', (m: string) => {
      got.push(m);
      phases.push(loop.phase);
      if (m === 'b') w.close(() => phases.push(loop.phase));
    });
    // Emitted by Node's own loop while yours sleeps in poll: an open watcher must keep it waiting.
    const t = setTimeout(() => {
      source.emit('msg', 'a');
      source.emit('msg', 'b');
      source.emit('msg', 'c');
    }, 30);
    await loop.run();
    clearTimeout(t);
    expect(got).toEqual(['a', 'b']);
    expect(phases).toEqual(['poll', 'poll', 'close']);
    expect(w.closed).toBe(true);
    expect(source.listenerCount('msg')).toBe(0);
  });

  it('runs a write callback in the pending phase of a later iteration; a write in flight keeps the loop alive', async () => {
    const loop = new EventLoop();
    const slow = new Writable({
      write(_chunk, _enc, done) {
        setTimeout(done, 30); // the "kernel" takes 30 ms
      },
    });
    const seen: Array<[Error | null, Phase]> = [];
    loop.write(slow, 'hello', (err) => seen.push([err, loop.phase]));
    await loop.run();
    expect(seen).toEqual([[null, 'pending']]);
  });

  it('serves a real TCP client: accepts and reads in the poll phase, write callbacks in pending, closes in close', async () => {
    const { server, port } = await listen();
    const loop = new EventLoop();
    const seen = serveEcho(loop, server);
    const messages = Array.from({ length: 25 }, (_, i) => `message ${i} `.repeat(1 + (i % 4)));
    const [echoes] = await Promise.all([pingPong(port, messages), loop.run()]);
    expect(echoes).toEqual(messages);
    expect([...seen.dataPhases]).toEqual(['poll']);
    expect([...seen.writePhases]).toEqual(['pending']);
    expect([...seen.closePhases]).toEqual(['close']);
    expect(server.listening).toBe(false);
  });

  it('does not wait for I/O past a timer: with an idle connection open, the timer fires before the client speaks', async () => {
    const { server, port } = await listen();
    const loop = new EventLoop();
    const order: string[] = [];
    const accept = loop.watch(server, 'connection', (sock: net.Socket) => {
      sock.on('error', () => {});
      accept.close(() => server.close());
      order.push('connected');
      loop.setTimeout(() => order.push('timer'), 30);
      const data = loop.watch(sock, 'data', (chunk: Buffer) => {
        order.push(`data:${chunk.toString()}`);
        data.close();
        sock.end();
      });
    });
    const client = connect(port);
    const speak = (async () => {
      await once(client, 'connect');
      await new Promise((r) => setTimeout(r, 600)); // silent for 600 ms
      client.end('late');
      await once(client, 'close');
    })();
    await Promise.all([loop.run(), speak]);
    expect(order).toEqual(['connected', 'timer', 'data:late']);
  });

  it('lets I/O in while the loop is never idle: an echo exchange completes during an endless chain of immediates', async () => {
    const { server, port } = await listen();
    const loop = new EventLoop();
    serveEcho(loop, server);
    let exchangeDone = false;
    let doneWhileBusy = false;
    let spins = 0;
    const started = performance.now();
    const spin = () => {
      spins++;
      // Busy until the exchange is over (or 4 s, so a loop that starves I/O still ends).
      if (!exchangeDone && performance.now() - started < 4000) loop.setImmediate(spin);
    };
    loop.setImmediate(spin);
    const messages = Array.from({ length: 10 }, (_, i) => `ping ${i}`);
    const exchange = pingPong(port, messages).then((echoes) => {
      doneWhileBusy = performance.now() - started < 4000;
      exchangeDone = true;
      return echoes;
    });
    const [echoes] = await Promise.all([exchange, loop.run()]);
    expect(echoes).toEqual(messages);
    expect(doneWhileBusy, 'no socket data reached the loop while immediates kept it busy: poll must still check for I/O with a timeout of 0').toBe(true);
    expect(spins).toBeGreaterThan(10);
  }, 15_000);

  it('keeps timers firing while a client floods the server', async () => {
    const { server, port } = await listen();
    const loop = new EventLoop();
    let bytes = 0;
    let flooding = true;
    const accept = loop.watch(server, 'connection', (sock: net.Socket) => {
      sock.on('error', () => {});
      accept.close(() => server.close());
      const data = loop.watch(sock, 'data', (chunk: Buffer) => (bytes += chunk.length));
      const end = loop.watch(sock, 'end', () => {
        data.close();
        end.close();
        sock.end();
      });
    });
    const ticksDuringFlood: number[] = [];
    const iv = loop.setInterval(() => {
      if (flooding) ticksDuringFlood.push(performance.now());
      else loop.clearInterval(iv);
    }, 10);
    const client = connect(port);
    const flood = (async () => {
      await once(client, 'connect');
      const chunk = Buffer.alloc(16 * 1024, 120);
      const until = performance.now() + 500;
      // Writes back to back, each as soon as the previous one is flushed: the server always has data.
      while (performance.now() < until) await new Promise<void>((r) => client.write(chunk, () => r()));
      flooding = false;
      client.end();
      await once(client, 'close');
    })();
    await Promise.all([loop.run(), flood]);
    expect(bytes).toBeGreaterThan(0);
    // 50 ticks would be perfect; a loop that stays in poll while data keeps coming gets about none.
    expect(ticksDuringFlood.length, 'the interval hardly fired while the socket had data: the poll phase must run one batch of I/O, not wait for the socket to go quiet').toBeGreaterThanOrEqual(10);
  }, 15_000);
});
