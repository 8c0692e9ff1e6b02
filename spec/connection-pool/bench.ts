/**
 * What a pool buys: `SELECT 1` against MariaDB/MySQL with 1, 8 and 32 concurrent callers, through
 *   - your pool (mysql2/promise connections, validated with a ping when taken from the shelf),
 *   - your pool without validate(): the ping is a second round trip per query, and this shows
 *     what it costs (real pools skip it for a connection used a moment ago),
 *   - mysql2's own built-in pool (the peer),
 *   - a new connection per query (connect, query, close): what code without a pool does.
 * The pools get max = min(callers, 8), so with 32 callers 24 of them are always waiting in line.
 * Rounds alternate between the cases so a busy moment of the machine hurts all alike; the best
 * round of each is reported.
 *
 *   npm run bench connection-pool          (the reference; --mine for yours)
 *   MARIADB_URL=mysql://user:pass@host:3306/db BENCH_MS=2000 BENCH_ROUNDS=3 npm run bench connection-pool
 */
import mysql from 'mysql2/promise';
import { createPool, type Factory } from '#kata/connection-pool';
import { formatOps, printTable } from '#support/bench';

const DB_URL = process.env.MARIADB_URL ?? process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const MS = Number(process.env.BENCH_MS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CALLERS = [1, 8, 32];
const POOL_MAX = 8;

type Conn = mysql.Connection;

const factory: Factory<Conn> = {
  async create() {
    const c = await mysql.createConnection(DB_URL);
    c.on('error', () => {});
    return c;
  },
  async destroy(c) {
    await c.end().catch(() => c.destroy());
  },
  async validate(c) {
    return c.ping().then(
      () => true,
      () => false,
    );
  },
};

interface Case {
  name: string;
  setup(max: number): Promise<{ query(): Promise<unknown>; close(): Promise<void> }>;
}

const cases: Case[] = [
  {
    name: 'your pool',
    async setup(max) {
      const pool = createPool(factory, { max, acquireTimeoutMs: 10_000 });
      return { query: () => pool.use((c) => c.query('SELECT 1')), close: () => pool.drain() };
    },
  },
  {
    // The same pool trusting its connections: what the validation round trip costs.
    name: 'your pool, no validate',
    async setup(max) {
      const pool = createPool({ create: factory.create, destroy: factory.destroy }, { max, acquireTimeoutMs: 10_000 });
      return { query: () => pool.use((c) => c.query('SELECT 1')), close: () => pool.drain() };
    },
  },
  {
    name: 'mysql2 pool',
    async setup(max) {
      const pool = mysql.createPool({ uri: DB_URL, connectionLimit: max });
      return { query: () => pool.query('SELECT 1'), close: () => pool.end() };
    },
  },
  {
    name: 'connect per query',
    async setup() {
      return {
        async query() {
          const c = await mysql.createConnection(DB_URL);
          try {
            return await c.query('SELECT 1');
          } finally {
            await c.end();
          }
        },
        close: async () => {},
      };
    },
  },
];

/** Queries per second with `callers` loops running `query` back to back for MS milliseconds. */
async function measure(c: Case, callers: number): Promise<number> {
  const target = await c.setup(Math.min(callers, POOL_MAX));
  try {
    // Warm up: open the pool's connections, let the JIT see the path.
    await Promise.all(Array.from({ length: callers }, () => target.query()));
    let done = 0;
    const t0 = performance.now();
    const end = t0 + MS;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < end) {
          await target.query();
          done++;
        }
      }),
    );
    return (done * 1000) / (performance.now() - t0);
  } finally {
    await target.close();
  }
}

try {
  const probe = await mysql.createConnection(DB_URL);
  await probe.end();
} catch (err) {
  console.error(`cannot connect to ${DB_URL}: ${(err as Error).message}\nStart MariaDB/MySQL (root, no password, database test) or set MARIADB_URL.`);
  process.exit(1);
}

const rows: string[][] = [];
for (const callers of CALLERS) {
  const best = cases.map(() => 0);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, c] of cases.entries()) best[i] = Math.max(best[i]!, await measure(c, callers));
  }
  const perQuery = best[cases.length - 1]!;
  cases.forEach((c, i) => {
    rows.push([
      String(callers),
      c.name,
      c.name === 'connect per query' ? '-' : String(Math.min(callers, POOL_MAX)),
      formatOps(best[i]!),
      `${(best[i]! / perQuery).toFixed(2)}×`,
    ]);
  });
}
printTable(`SELECT 1 on ${new URL(DB_URL).host}, best of ${ROUNDS} rounds of ${MS} ms`, ['callers', 'case', 'max', 'queries/s', '÷ connect per query'], rows);
