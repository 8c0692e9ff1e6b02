/**
 * Differential testing against a real Redis: the same random command sequences run on the server
 * under test and on Redis, and every reply (values, nils, integers, error strings) must match.
 *
 * The real Redis is shared, so this never flushes it: keys carry a per-run prefix in database 9,
 * FLUSHALL becomes a DEL of the few keys the sequence can touch, and everything is deleted after.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { expect } from 'vitest';
import { fc } from '#support/property';
import { runPipeline } from './helpers.ts';

export const REAL_REDIS_DB = 9;

export interface Op {
  ours: string[];
  theirs: string[];
  /** Replaces Redis's reply before comparing (FLUSHALL emulated by DEL replies OK). */
  theirReply?: (reply: unknown) => unknown;
  /** TTL replies differ by the time that passes between the two runs: compare with slack. */
  slack?: number;
}

export function newPrefix(): string {
  return `imc-spec:${randomBytes(6).toString('hex')}:`;
}

export async function connectRealRedis(url: string): Promise<Redis> {
  const client = new Redis(url, { db: REAL_REDIS_DB, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** The same command name in a few spellings: commands are case-insensitive. */
const spelled = (name: string) => fc.constantFrom(name, name.toUpperCase(), name[0]!.toUpperCase() + name.slice(1));

/** Values that probe integer parsing: limits, overflow, signs, spaces, leading zeros, floats. */
export const TRICKY_VALUES = [
  '0', '1', '-1', '41', '100', '9223372036854775806', '9223372036854775807', '-9223372036854775807',
  '-9223372036854775808', '9223372036854775808', '-9223372036854775809', '01', '-0', '+1', ' 1', '1 ',
  '1.5', '1e3', '0x10', 'abc', '', '12345678901234567890123',
];

// Expiry arguments: mostly valid ones (so keys really get TTLs), plus Redis's edge cases.
const EX_VALUES = { valid: ['100', '1000', '86400', '2147483648', '9223372036854'], invalid: ['0', '-1', 'abc', '1.5', ' 5', '9223372036854775807', '9223372036854775'] };
const PX_VALUES = { valid: ['100000', '86400000', '5000', '9007199254740993'], invalid: ['0', '-5', 'abc', '9223372036854775807', '9223372036854775000'] };
const EXPIRE_VALUES = { valid: ['100', '1000000', '2147483648', '0', '-1', '-100'], invalid: ['abc', '9223372036854776', '9223372036854775', '-9223372036854776'] };
const PEXPIRE_VALUES = { valid: ['100000', '86400000', '0', '-1', '-9223372036854775808'], invalid: ['abc', '9223372036854775807'] };
const mostlyValid = ({ valid, invalid }: { valid: string[]; invalid: string[] }) =>
  fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 3 }, { arbitrary: fc.constantFrom(...invalid), weight: 1 });

/** Random command sequences over four keys under `prefix`; with `expiry`, TTL commands too. */
export function opsArbitrary(prefix: string, { expiry }: { expiry: boolean }): fc.Arbitrary<Op[]> {
  const universe = ['a', 'b', 'c', 'd'].map((k) => prefix + k);
  // Fewer keys with expiry: TTL bugs need several commands on the same key.
  const key = fc.constantFrom(...(expiry ? universe.slice(0, 2) : universe));
  const keys = fc.array(key, { minLength: 1, maxLength: 3 });
  const value = fc.oneof(fc.constantFrom(...TRICKY_VALUES), fc.string({ maxLength: 6 }), fc.integer({ min: -1000, max: 1000 }).map(String));
  const same = (args: fc.Arbitrary<string[]>) => args.map((a): Op => ({ ours: a, theirs: a }));
  const cmd = (name: string, ...rest: Array<fc.Arbitrary<string> | fc.Arbitrary<string[]>>) =>
    same(fc.tuple(spelled(name), ...rest).map(([n, ...r]) => [n, ...r.flat()]));

  const setOption: fc.Arbitrary<string[]> = expiry
    ? fc.oneof(
        fc.constantFrom<string[]>(['nx'], ['xx'], ['NX'], ['keepttl'], ['KEEPTTL'], ['foo']),
        fc.tuple(fc.constantFrom('ex', 'EX'), mostlyValid(EX_VALUES)),
        fc.tuple(fc.constantFrom('px', 'PX'), mostlyValid(PX_VALUES)),
        fc.constantFrom<string[]>(['ex'], ['px']),
      )
    : fc.constantFrom<string[]>(['nx'], ['xx'], ['NX'], ['XX'], ['foo']);

  const common: Array<fc.Arbitrary<Op>> = [
    cmd('get', key),
    cmd('set', key, value, fc.array(setOption, { maxLength: 2 }).map((o) => o.flat())),
    cmd('del', keys),
    cmd('exists', keys),
    cmd('incr', key),
    cmd('decr', key),
    cmd('mget', keys),
    cmd('mset', fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((p) => p.flat()), fc.constantFrom<string[]>([], [], [prefix + 'a'])),
    cmd('ping', fc.constantFrom<string[]>([], ['hello'], ['a', 'b'])),
    same(fc.constantFrom<string[]>(['get'], ['incr'], ['decr'], ['set', prefix + 'a'], ['mget'], ['mset', prefix + 'a'], ['del'], ['exists'], ['GET', prefix + 'a', 'x'])),
    same(fc.tuple(fc.constantFrom('nosuchcmd', 'APPEND2', 'gett'), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })).map(([n, a]) => [n, ...a])),
    fc.constant<Op>({ ours: ['flushall'], theirs: ['del', ...universe], theirReply: (r) => (typeof r === 'number' ? 'OK' : r) }),
  ];
  // With expiry, SET and TTL come up more often: most TTL bugs need SET ... then TTL on one key.
  const weighted = (arbitrary: fc.Arbitrary<Op>, weight: number) => ({ arbitrary, weight });
  const timed = expiry
    ? [
        weighted(cmd('set', key, value, fc.array(setOption, { maxLength: 2 }).map((o) => o.flat())), 5),
        weighted(cmd('expire', key, mostlyValid(EXPIRE_VALUES)), 2),
        weighted(cmd('pexpire', key, mostlyValid(PEXPIRE_VALUES)), 2),
        weighted(cmd('ttl', key).map((op) => ({ ...op, slack: 1 })), 4),
        weighted(cmd('pttl', key).map((op) => ({ ...op, slack: 1000 })), 2),
        weighted(same(fc.constantFrom<string[]>(['ttl'], ['pttl', prefix + 'a', 'x'], ['expire', prefix + 'a'])), 1),
      ]
    : [];
  return fc.array(fc.oneof(...common.map((a) => weighted(a, 1)), ...timed), { minLength: 1, maxLength: 30, size: 'max' });
}

/** Runs `ops` on both servers from an empty start and asserts identical replies. */
export async function assertSameReplies(ours: Redis, theirs: Redis, prefix: string, ops: Op[]): Promise<void> {
  const universe = ['a', 'b', 'c', 'd'].map((k) => prefix + k);
  await ours.flushall();
  await theirs.del(...universe);
  const mine = await runPipeline(ours, ops.map((o) => o.ours));
  const real = (await runPipeline(theirs, ops.map((o) => o.theirs))).map((r, i) => ops[i]!.theirReply?.(r) ?? r);
  await theirs.del(...universe);
  const arg = (a: string) => (/^[\x21-\x7e]+$/.test(a) && !/["'\\]/.test(a) ? a : JSON.stringify(a));
  const rows = (replies: unknown[]) => ops.map((o, i) => `${o.ours.map(arg).join(' ')}  →  ${JSON.stringify(replies[i])}`);
  // Times to live tick between the two runs: a positive TTL within the slack counts as equal.
  const adjusted = mine.map((m, i) => {
    const r = real[i];
    const slack = ops[i]!.slack;
    return slack !== undefined && typeof m === 'number' && typeof r === 'number' && m > 0 && r > 0 && Math.abs(m - r) <= slack ? r : m;
  });
  expect(rows(adjusted), 'replies of the server under test (+ received) against a real Redis (- expected)').toEqual(rows(real));
}
