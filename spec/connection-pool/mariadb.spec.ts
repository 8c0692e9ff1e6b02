/**
 * Stage 5: the pool lending real MariaDB/MySQL connections (mysql2/promise). The server is the
 * oracle: information_schema.PROCESSLIST shows which of the pool's connections are really open,
 * and `KILL <id>` from another connection breaks one the way a server restart or a network
 * timeout would.
 *
 * The pool's connections are told apart from everyone else's on a shared server by their thread
 * ids, which the factory records as the server hands them out. (A connection attribute such as
 * program_name would do too, but MariaDB exposes those only with performance_schema on.)
 */
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AcquireTimeoutError, createPool, type Factory, type PoolOptions } from '#kata/connection-pool';
import { skipWithout, useService } from '#support/services';
import { settle, sleep, within } from './fake.ts';

const db = await useService('mariadb');

type Conn = mysql.Connection;

/** A factory of real connections that remembers every thread id the server gave it. */
class MysqlFactory implements Factory<Conn> {
  readonly threadIds: number[] = [];
  readonly destroyedIds: number[] = [];
  readonly #all = new Set<Conn>();

  async create(): Promise<Conn> {
    const conn = await mysql.createConnection({ uri: db.url!, connectTimeout: 5000 });
    // A connection killed while idle reports it as an 'error' event: the pool notices at validation.
    conn.on('error', () => {});
    this.threadIds.push(conn.threadId);
    this.#all.add(conn);
    return conn;
  }

  async destroy(conn: Conn): Promise<void> {
    this.destroyedIds.push(conn.threadId);
    this.#all.delete(conn);
    try {
      await conn.end();
    } catch {
      conn.destroy(); // already broken: just drop the socket
    }
  }

  async validate(conn: Conn): Promise<boolean> {
    try {
      await conn.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** Closes whatever a failing pool left open, so a red run still leaves no sockets behind. */
  closeAll(): void {
    for (const c of this.#all) c.destroy();
    this.#all.clear();
  }
}

let observer: Conn | undefined;
const factories: MysqlFactory[] = [];
const pools: Array<{ drain(): Promise<void> }> = [];

beforeAll(async () => {
  if (db.url) observer = await mysql.createConnection(db.url);
});
afterAll(async () => {
  await observer?.end();
});
beforeEach(skipWithout(db));
afterEach(async () => {
  // Normally every test drains its pool; after a failure this rejects whoever still waits.
  for (const p of pools.splice(0)) {
    try {
      p.drain().catch(() => {});
    } catch {
      // the stub's drain throws
    }
  }
  await settle();
  for (const f of factories.splice(0)) f.closeAll();
});

function trackedPool(f: MysqlFactory, options: PoolOptions<Conn>) {
  const p = createPool(f, options);
  pools.push(p);
  return p;
}

function factory(): MysqlFactory {
  const f = new MysqlFactory();
  factories.push(f);
  return f;
}

/** How many of these thread ids the server lists as connected right now. */
async function serverSideOpen(ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const [rows] = await observer!.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (?)', [ids]);
  return Number(rows[0]!.n);
}

/** Waits until the server lists none of these ids: closing is asynchronous on the server side. */
async function serverClosed(ids: number[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await serverSideOpen(ids)) === 0) return;
    await sleep(10);
  }
  throw new Error(`the server still lists connections ${ids.join(', ')} after 2 s`);
}

async function connectionId(conn: Conn): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
  return Number(rows[0]!.id);
}

describe('stage 5: real MariaDB connections', () => {
  it('never has more than max connections open on the server, and closes them all on drain', async () => {
    const f = factory();
    const pool = trackedPool(f, { max: 3, acquireTimeoutMs: 5000 });
    const held: Conn[] = [];
    const all = Array.from({ length: 12 }, () =>
      pool.acquire().then((c) => {
        held.push(c);
        return c;
      }),
    );
    await within(
      (async () => {
        while (held.length < 3) await sleep(5);
      })(),
      'the first 3 acquires (max 3) to get a connection',
      4000,
    );
    await sleep(50); // any connection opened beyond max would be there by now
    expect(held).toHaveLength(3);
    expect(await serverSideOpen(f.threadIds)).toBe(3);
    expect(new Set(f.threadIds).size).toBe(3);
    expect(pool.stats()).toMatchObject({ open: 3, borrowed: 3, waiting: 9 });
    // Each connection is really usable, and really its own server session.
    const ids = await Promise.all(held.map(connectionId));
    expect(new Set(ids)).toEqual(new Set(f.threadIds));
    // Serve everyone: whoever holds one runs a query and gives it back.
    let served = 0;
    await within(
      Promise.all(
        all.map(async (p) => {
          const c = await p;
          await c.query('SELECT 1');
          served++;
          pool.release(c);
        }),
      ),
      'all 12 acquires to be served by 3 connections',
      5000,
    );
    expect(served).toBe(12);
    expect(f.threadIds).toHaveLength(3);
    await pool.drain();
    await serverClosed(f.threadIds);
    expect(f.destroyedIds.sort()).toEqual([...f.threadIds].sort());
  });

  it('waiting acquirers are served in the order they arrived', async () => {
    const f = factory();
    const pool = trackedPool(f, { max: 1, acquireTimeoutMs: 5000 });
    const first = await pool.acquire();
    const order: number[] = [];
    const waiters = Array.from({ length: 5 }, (_, i) =>
      pool.acquire().then(async (c) => {
        order.push(i);
        expect(await connectionId(c)).toBe(f.threadIds[0]);
        pool.release(c);
      }),
    );
    await settle();
    expect(pool.stats().waiting).toBe(5);
    pool.release(first);
    await within(Promise.all(waiters), 'the 5 waiters to be served');
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(f.threadIds).toHaveLength(1);
    await pool.drain();
    await serverClosed(f.threadIds);
  });

  it('a connection killed on the server while idle is caught by validation and replaced', async () => {
    const f = factory();
    const pool = trackedPool(f, { max: 2, acquireTimeoutMs: 5000 });
    const victim = await pool.acquire();
    const victimId = await connectionId(victim);
    pool.release(victim);
    await observer!.query(`KILL ${victimId}`);
    await serverClosed([victimId]);
    const [idNow, value] = await pool.use(async (c) => {
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT 40 + 2 AS v');
      return [await connectionId(c), Number(rows[0]!.v)] as const;
    });
    expect(value).toBe(42);
    expect(idNow).not.toBe(victimId);
    expect(f.threadIds).toEqual([victimId, idNow]);
    expect(f.destroyedIds).toContain(victimId);
    expect(pool.stats()).toMatchObject({ open: 1, idle: 1, borrowed: 0 });
    await pool.drain();
    await serverClosed(f.threadIds);
  });

  it('an acquire with every connection borrowed times out with AcquireTimeoutError, and the next reuses one', async () => {
    const f = factory();
    // min 2: both connections are opened before the clock matters (the deadline covers connecting).
    const pool = trackedPool(f, { min: 2, max: 2, acquireTimeoutMs: 300 });
    await within(
      (async () => {
        while (pool.stats().idle < 2) await sleep(5);
      })(),
      'min 2 connections to be opened in the background',
      4000,
    );
    const [a, b] = [await pool.acquire(), await pool.acquire()];
    await expect(pool.acquire()).rejects.toBeInstanceOf(AcquireTimeoutError);
    expect(await serverSideOpen(f.threadIds)).toBe(2);
    pool.release(a);
    pool.release(b);
    expect(await pool.use(connectionId)).toBe(a.threadId);
    await pool.drain();
    await serverClosed(f.threadIds);
  });
});
