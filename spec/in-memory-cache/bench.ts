/**
 * redis-benchmark against the server under test and against a real redis-server, both on free
 * loopback ports, same load: `-t set,get -n 200000 -P 16 -q`. Rounds alternate between the two
 * so a busy moment of the machine hurts both alike; the best round of each is reported.
 *
 *   KATA_TARGET=solution node --import tsx --import ./grader/register.ts spec/in-memory-cache/bench.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { createCacheServer } from '#kata/in-memory-cache';
import { formatOps, printTable } from '#support/bench';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TESTS = ['SET', 'GET'] as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}:\n${out}`))));
  });
}

/** `SET: 123456.79 requests per second, p50=...` lines (progress lines end in \r). */
function parseRps(output: string): Record<string, number> {
  const rps: Record<string, number> = {};
  for (const line of output.split(/[\r\n]+/)) {
    const m = /^\s*(\w+): ([\d.]+) requests per second/.exec(line);
    if (m) rps[m[1]!] = Number(m[2]);
  }
  return rps;
}

async function benchmark(port: number): Promise<Record<string, number>> {
  const out = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-n', String(REQUESTS), '-P', '16', '-q']);
  const rps = parseRps(out);
  for (const t of TESTS) if (!(t in rps)) throw new Error(`no ${t} result in redis-benchmark output:\n${out}`);
  return rps;
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const ours = createCacheServer();
  const { port: ourPort } = await ours.listen(0, '127.0.0.1');
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--dir', os.tmpdir()], {
    stdio: 'ignore',
  });
  try {
    await waitForPing(redisPort, redis);
    const best = { ours: { SET: 0, GET: 0 }, redis: { SET: 0, GET: 0 } };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, port] of [['ours', ourPort], ['redis', redisPort]] as const) {
        const rps = await benchmark(port);
        console.log(`round ${round} ${name.padEnd(5)} SET ${formatOps(rps.SET!)}/s  GET ${formatOps(rps.GET!)}/s`);
        for (const t of TESTS) best[name][t] = Math.max(best[name][t], rps[t]!);
      }
    }
    printTable(
      `redis-benchmark -t set,get -n ${REQUESTS} -P 16 (best of ${ROUNDS} rounds; goal: ours ≥ 0.5× redis-server)`,
      ['test', 'redis-server req/s', 'ours req/s', 'ours ÷ redis'],
      TESTS.map((t) => [t, formatOps(best.redis[t]), formatOps(best.ours[t]), `${(best.ours[t] / best.redis[t]).toFixed(2)}×`]),
    );
  } finally {
    redis.kill('SIGTERM');
    await ours.close();
  }
}

await main();
