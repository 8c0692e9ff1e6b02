/**
 * Which calls an armed crash or an injected fault hits. A rule matches calls by operation and path
 * and fires on the nth matching call (counted from when it was armed), optionally for `times`
 * calls and with a seeded probability.
 */
import type { Random } from '../seed.ts';

export type OpName =
  | 'open'
  | 'read'
  | 'write'
  | 'fsync'
  | 'fdatasync'
  | 'ftruncate'
  | 'fstat'
  | 'close'
  | 'stat'
  | 'exists'
  | 'rename'
  | 'unlink'
  | 'mkdir'
  | 'readdir'
  | 'fsyncDir';

/** An exact absolute path, a pattern, or a predicate. A descriptor's path is the one it was opened with. */
export type PathMatch = string | RegExp | ((path: string) => boolean);

export interface CallMatch {
  /** Default: every operation. */
  op?: OpName | readonly OpName[];
  /** Default: every path. A rename matches on either of its paths. */
  path?: PathMatch;
}

export interface ArmCrashOptions extends CallMatch {
  /** The matching call (1 = the first after arming) at which the power goes. Default 1. */
  nth?: number;
  /** 'before': the call never happens. 'after': it happens (and is durable if it was a sync), then the power goes. Default 'before'. */
  timing?: 'before' | 'after';
}

export interface FaultRule extends CallMatch {
  /** First matching call that fails (1-based, counted from `inject`). Default 1. */
  nth?: number;
  /** How many matching calls from the nth on are hit. Default 1; `Infinity` for every one. */
  times?: number;
  /** Each call in that window is hit only with this probability (seeded). Default 1. */
  probability?: number;
  /**
   * The call fails with this `code` ('EIO', 'ENOSPC', ...) and does nothing, except that a failed
   * fsync / fdatasync drops the file's unsynced writes and a failed fsyncDir the directory's
   * unsynced entries, as Linux does: a later sync does not bring them back.
   */
  error?: string;
  /** read / write only: the call transfers at most this many bytes and returns that count. */
  short?: number;
}

export interface FaultHandle {
  /** How many calls this rule has hit so far. */
  readonly hits: number;
  /** Stops the rule. */
  remove(): void;
}

export function matches(m: CallMatch, op: OpName, paths: readonly string[]): boolean {
  if (m.op !== undefined && (typeof m.op === 'string' ? m.op !== op : !m.op.includes(op))) return false;
  if (m.path === undefined) return true;
  const test = m.path;
  return paths.some((p) => (typeof test === 'string' ? p === test : test instanceof RegExp ? test.test(p) : test(p)));
}

export function describeMatch(m: CallMatch): string {
  const op = m.op === undefined ? 'any op' : typeof m.op === 'string' ? m.op : m.op.join('|');
  const path = m.path === undefined ? '' : ` on ${typeof m.path === 'function' ? '(predicate)' : String(m.path)}`;
  return `${op}${path}`;
}

export class ArmedCrash {
  private seen = 0;
  readonly nth: number;
  readonly timing: 'before' | 'after';
  constructor(readonly options: ArmCrashOptions) {
    this.nth = options.nth ?? 1;
    this.timing = options.timing ?? 'before';
    if (!Number.isInteger(this.nth) || this.nth < 1) throw new RangeError(`armCrash: nth must be an integer >= 1, not ${this.nth}`);
    if (this.timing !== 'before' && this.timing !== 'after') throw new RangeError(`armCrash: timing must be 'before' or 'after'`);
  }
  /** Counts the call; true when it is the one. */
  hit(op: OpName, paths: readonly string[]): boolean {
    if (!matches(this.options, op, paths)) return false;
    this.seen++;
    return this.seen === this.nth;
  }
  describe(): string {
    return `armed: ${describeMatch(this.options)} #${this.nth} ${this.timing}`;
  }
}

export class ActiveFault implements FaultHandle {
  private seen = 0;
  hits = 0;
  removed = false;
  readonly nth: number;
  readonly times: number;
  constructor(readonly rule: FaultRule) {
    this.nth = rule.nth ?? 1;
    this.times = rule.times ?? 1;
    if (!Number.isInteger(this.nth) || this.nth < 1) throw new RangeError(`inject: nth must be an integer >= 1, not ${this.nth}`);
    if (!(this.times >= 1)) throw new RangeError(`inject: times must be >= 1, not ${this.times}`);
    if (rule.error === undefined && rule.short === undefined) throw new RangeError('inject: give an error code or a short count');
    if (rule.short !== undefined && !(Number.isInteger(rule.short) && rule.short >= 0)) {
      throw new RangeError(`inject: short must be an integer >= 0, not ${rule.short}`);
    }
  }
  remove(): void {
    this.removed = true;
  }
  /** Counts the call; true when this call is hit. */
  hit(op: OpName, paths: readonly string[], random: Random): boolean {
    if (this.removed || !matches(this.rule, op, paths)) return false;
    this.seen++;
    if (this.seen < this.nth || this.seen >= this.nth + this.times) return false;
    if (this.rule.probability !== undefined && !random.bool(this.rule.probability)) return false;
    this.hits++;
    return true;
  }
}
