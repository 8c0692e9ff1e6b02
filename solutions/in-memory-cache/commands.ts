/**
 * The command table: each command's name, arity and behaviour, with Redis's replies and error
 * strings, so a real client cannot tell the difference on the supported subset.
 */
import { NO_EXPIRY, type Keyspace } from './keyspace.ts';
import { constant, type Reply } from './resp.ts';

/** What commands may ask of the server around the keyspace. */
export interface ServerView {
  info(): string;
}

interface Command {
  /** Lower-case name, as Redis prints it in errors. */
  name: string;
  /** Redis's convention: N means exactly N arguments (name included), -N means at least N. */
  arity: number;
  run(ks: Keyspace, argv: Buffer[], server: ServerView): Reply;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

const OK = constant({ type: 'simple', value: 'OK' });
const PONG = constant({ type: 'simple', value: 'PONG' });
const NIL = constant({ type: 'bulk', value: null });
const ZERO = constant({ type: 'integer', value: 0 });
const ONE = constant({ type: 'integer', value: 1 });
const MINUS_ONE = constant({ type: 'integer', value: -1 });
const MINUS_TWO = constant({ type: 'integer', value: -2 });
const SYNTAX_ERROR = constant({ type: 'error', message: 'ERR syntax error' });
const NOT_AN_INTEGER = constant({ type: 'error', message: 'ERR value is not an integer or out of range' });
const OVERFLOW = constant({ type: 'error', message: 'ERR increment or decrement would overflow' });

const error = (message: string): Reply => ({ type: 'error', message });
const integer = (value: number | bigint): Reply => ({ type: 'integer', value });
const invalidExpireTime = (command: string) => error(`ERR invalid expire time in '${command}' command`);

/**
 * Redis's string2ll: "0", or an optional '-' and a digit 1-9 followed by digits, within 64-bit
 * range. " 1", "+1", "01", "-0", "1.0" and "" are not integers. BigInt, because a double cannot
 * hold every 64-bit integer and INCR must be exact up to 9223372036854775807.
 */
export function parseInteger(buf: Buffer): bigint | null {
  if (buf.length === 0 || buf.length > 20) return null;
  const text = buf.toString('latin1');
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return null;
  const value = BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? null : value;
}

const keyOf = (arg: Buffer) => arg.toString('latin1');
const word = (arg: Buffer) => arg.toString('latin1').toLowerCase();

function ping(_ks: Keyspace, argv: Buffer[]): Reply {
  if (argv.length > 2) return error("ERR wrong number of arguments for 'ping' command");
  return argv.length === 2 ? { type: 'bulk', value: argv[1]! } : PONG;
}

function get(ks: Keyspace, argv: Buffer[]): Reply {
  const e = ks.lookup(keyOf(argv[1]!), true);
  return e ? { type: 'bulk', value: e.value } : NIL;
}

function set(ks: Keyspace, argv: Buffer[]): Reply {
  // Options in any order and case. Redis's rules: NX excludes XX, EX excludes PX and KEEPTTL,
  // and EX/PX need a following argument; anything else is a syntax error.
  let nx = false;
  let xx = false;
  let keepTtl = false;
  let unit: 'ex' | 'px' | undefined;
  let expireArg: Buffer | undefined;
  for (let j = 3; j < argv.length; j++) {
    const opt = word(argv[j]!);
    const hasNext = j < argv.length - 1;
    if (opt === 'nx' && !xx) nx = true;
    else if (opt === 'xx' && !nx) xx = true;
    else if (opt === 'keepttl' && unit === undefined) keepTtl = true;
    else if (opt === 'ex' && !keepTtl && unit !== 'px' && hasNext) {
      unit = 'ex';
      expireArg = argv[++j];
    } else if (opt === 'px' && !keepTtl && unit !== 'ex' && hasNext) {
      unit = 'px';
      expireArg = argv[++j];
    } else return SYNTAX_ERROR;
  }

  // The expire time is checked before NX/XX look at the key, as in Redis.
  let expiresAt = NO_EXPIRY;
  if (expireArg !== undefined) {
    const n = parseInteger(expireArg);
    if (n === null) return NOT_AN_INTEGER;
    if (n <= 0n || (unit === 'ex' && n > INT64_MAX / 1000n)) return invalidExpireTime('set');
    const at = (unit === 'ex' ? n * 1000n : n) + BigInt(ks.now());
    if (at > INT64_MAX) return invalidExpireTime('set');
    expiresAt = Number(at);
  }

  const key = keyOf(argv[1]!);
  const existing = ks.lookup(key, true);
  if ((nx && existing) || (xx && !existing)) return NIL;
  // A plain SET forgets the old TTL; KEEPTTL keeps it.
  if (expireArg === undefined) expiresAt = keepTtl && existing ? existing.expiresAt : NO_EXPIRY;
  ks.set(key, argv[2]!, expiresAt);
  return OK;
}

function del(ks: Keyspace, argv: Buffer[]): Reply {
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    const e = ks.lookup(keyOf(argv[i]!), false); // an expired key is not counted as deleted
    if (e) {
      ks.delete(e);
      deleted++;
    }
  }
  return integer(deleted);
}

function exists(ks: Keyspace, argv: Buffer[]): Reply {
  let found = 0;
  for (let i = 1; i < argv.length; i++) if (ks.lookup(keyOf(argv[i]!), false)) found++; // repeats count
  return integer(found);
}

function expireGeneric(name: string, unit: 'seconds' | 'ms') {
  return (ks: Keyspace, argv: Buffer[]): Reply => {
    if (argv.length > 3) return error(`ERR Unsupported option ${argv[3]!.toString()}`);
    const n = parseInteger(argv[2]!);
    if (n === null) return NOT_AN_INTEGER;
    let when = n;
    if (unit === 'seconds') {
      if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return invalidExpireTime(name);
      when *= 1000n;
    }
    const now = ks.now();
    if (when > INT64_MAX - BigInt(now)) return invalidExpireTime(name);
    when += BigInt(now);
    const e = ks.lookup(keyOf(argv[1]!), true);
    if (!e) return ZERO;
    // A time already past deletes the key now (and that still counts as success).
    if (when <= BigInt(now)) ks.delete(e);
    else ks.setExpiry(e, Number(when));
    return ONE;
  };
}

function ttlGeneric(unit: 'seconds' | 'ms') {
  return (ks: Keyspace, argv: Buffer[]): Reply => {
    const e = ks.lookup(keyOf(argv[1]!), false);
    if (!e) return MINUS_TWO;
    if (e.expiresAt === NO_EXPIRY) return MINUS_ONE;
    const ms = Math.max(0, e.expiresAt - ks.now());
    // Redis rounds to the nearest second: 1499 ms is 1, 1500 ms is 2.
    return integer(unit === 'ms' ? ms : Math.floor((ms + 500) / 1000));
  };
}

function incrBy(delta: bigint) {
  return (ks: Keyspace, argv: Buffer[]): Reply => {
    const key = keyOf(argv[1]!);
    const e = ks.lookup(key, true);
    let value = 0n;
    if (e) {
      const parsed = parseInteger(e.value);
      if (parsed === null) return NOT_AN_INTEGER;
      value = parsed;
    }
    const next = value + delta;
    if (next > INT64_MAX || next < INT64_MIN) return OVERFLOW;
    ks.set(key, Buffer.from(next.toString()), e ? e.expiresAt : NO_EXPIRY); // INCR keeps the TTL
    return integer(next);
  };
}

function mget(ks: Keyspace, argv: Buffer[]): Reply {
  const items: Reply[] = [];
  for (let i = 1; i < argv.length; i++) {
    const e = ks.lookup(keyOf(argv[i]!), true);
    items.push(e ? { type: 'bulk', value: e.value } : NIL);
  }
  return { type: 'array', items };
}

function mset(ks: Keyspace, argv: Buffer[]): Reply {
  if (argv.length % 2 === 0) return error("ERR wrong number of arguments for 'mset' command");
  for (let i = 1; i < argv.length; i += 2) ks.set(keyOf(argv[i]!), argv[i + 1]!, NO_EXPIRY);
  return OK;
}

function flushall(ks: Keyspace, argv: Buffer[]): Reply {
  if (argv.length === 2) {
    const mode = word(argv[1]!);
    if (mode !== 'sync' && mode !== 'async') return SYNTAX_ERROR;
  } else if (argv.length !== 1) return SYNTAX_ERROR;
  ks.clear();
  return OK;
}

const COMMANDS = new Map<string, Command>(
  (
    [
      { name: 'ping', arity: -1, run: ping },
      { name: 'get', arity: 2, run: get },
      { name: 'set', arity: -3, run: set },
      { name: 'del', arity: -2, run: del },
      { name: 'exists', arity: -2, run: exists },
      { name: 'expire', arity: -3, run: expireGeneric('expire', 'seconds') },
      { name: 'pexpire', arity: -3, run: expireGeneric('pexpire', 'ms') },
      { name: 'ttl', arity: 2, run: ttlGeneric('seconds') },
      { name: 'pttl', arity: 2, run: ttlGeneric('ms') },
      { name: 'incr', arity: 2, run: incrBy(1n) },
      { name: 'decr', arity: 2, run: incrBy(-1n) },
      { name: 'mget', arity: -2, run: mget },
      { name: 'mset', arity: -3, run: mset },
      { name: 'flushall', arity: -1, run: flushall },
      { name: 'dbsize', arity: 1, run: (ks) => integer(ks.size) },
      { name: 'info', arity: -1, run: (_ks, _argv, server) => ({ type: 'bulk', value: server.info() }) },
    ] satisfies Command[]
  )
    // Clients send names in upper or lower case: both spellings are looked up without allocating.
    .flatMap((c) => [[c.name, c] as const, [c.name.toUpperCase(), c] as const]),
);

/** Redis's reply to a command it does not know, byte for byte. */
function unknownCommand(argv: Buffer[]): Reply {
  // Redis prints at most 128 bytes of the name and about 128 bytes of quoted arguments.
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i]!.toString('latin1', 0, 128 - args.length)}' `;
  }
  const message = `ERR unknown command '${argv[0]!.toString('latin1', 0, 128)}', with args beginning with: ${args}`;
  return error(Buffer.from(message, 'latin1').toString('utf8'));
}

/** Runs one command (argv[0] is its name, in any case) and returns the reply. */
export function execute(ks: Keyspace, argv: Buffer[], server: ServerView): Reply {
  const name = argv[0]!.toString('latin1');
  const command = COMMANDS.get(name) ?? COMMANDS.get(name.toLowerCase());
  if (!command) return unknownCommand(argv);
  const { arity } = command;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    return error(`ERR wrong number of arguments for '${command.name}' command`);
  }
  return command.run(ks, argv, server);
}
