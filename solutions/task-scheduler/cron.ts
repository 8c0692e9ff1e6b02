/**
 * Cron expressions: the five Vixie-cron fields, names, ranges, steps, lists and the @macros, and
 * `next(after)`: the first matching minute strictly after a moment, in UTC.
 */

/** A cron expression that cannot be parsed, with the 0-based character position of the problem. */
export class CronSyntaxError extends Error {
  readonly code = 'CRON_SYNTAX';
  constructor(
    /** The expression as given. */
    readonly expression: string,
    /** 0-based index into `expression` where the offending token starts. */
    readonly position: number,
    /** What is wrong, in words. */
    readonly reason: string,
  ) {
    super(`invalid cron expression ${JSON.stringify(expression)} at position ${position}: ${reason}\n  ${expression}\n  ${' '.repeat(Math.max(0, position))}^`);
    this.name = 'CronSyntaxError';
  }
}

export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** The allowed values of each field, sorted (day of week 0-6, Sunday 0; 7 is folded into 0). */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  readonly daysOfWeek: readonly number[];
  /** True when the day-of-month / day-of-week field does not start with `*` (Vixie's rule). */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  /** Does this minute (UTC, seconds ignored) match? */
  matches(date: Date | number): boolean;
  /** The first matching minute strictly after `after` (UTC). */
  next(after: Date | number): Date;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Index of names[0]. */
  namesFrom?: number;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
  // 7 is Sunday too, as in Vixie cron; folded into 0 after parsing.
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, namesFrom: 0 },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Days in each month of a leap year: the most a day-of-month can ever be. */
const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const MINUTE = 60_000;
/** The Gregorian calendar repeats every 400 years: a schedule with no match in that span has none. */
const SEARCH_YEARS = 401;

/** Parses a cron expression; throws CronSyntaxError (with the position) when it is not one. */
export function parseCron(expression: string): CronSchedule {
  if (typeof expression !== 'string') throw new CronSyntaxError(String(expression), 0, 'a cron expression must be a string');
  const lead = expression.length - expression.trimStart().length;
  const trimmed = expression.trim();
  if (trimmed === '') throw new CronSyntaxError(expression, 0, 'empty expression: expected 5 fields (minute hour day-of-month month day-of-week) or a macro like @hourly');

  let source = expression;
  let offsets: number[] | undefined; // field start positions inside `expression`
  if (trimmed.startsWith('@')) {
    const body = MACROS[trimmed.toLowerCase()];
    if (!body) throw new CronSyntaxError(expression, lead, `unknown macro ${trimmed}: use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly`);
    source = body;
    offsets = [lead, lead, lead, lead, lead]; // errors cannot happen inside a macro
  }

  // Split on runs of spaces/tabs, remembering where each field starts.
  const fields: { text: string; at: number }[] = [];
  for (const m of source.matchAll(/[^ \t]+/g)) fields.push({ text: m[0], at: m.index });
  if (fields.length !== 5) {
    const at = fields.length > 5 ? fields[5]!.at : source.length;
    throw new CronSyntaxError(expression, offsets ? lead : at, `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`);
  }

  const sets = fields.map((f, i) => parseField(expression, f.text, offsets ? offsets[i]! : f.at, FIELDS[i]!));
  const [minutes, hours, doms, months, dowsRaw] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const dows = new Set([...dowsRaw].map((d) => (d === 7 ? 0 : d)));
  const domRestricted = !fields[2]!.text.startsWith('*');
  const dowRestricted = !fields[4]!.text.startsWith('*');

  // A day of month that no listed month has (30 February) never matches when it is the only day
  // rule. Say so now rather than searching 400 years for nothing.
  if (!(domRestricted && dowRestricted)) {
    const possible = [...months].some((m) => [...doms].some((d) => d <= MAX_DAYS[m - 1]!));
    if (!possible) {
      throw new CronSyntaxError(expression, offsets ? lead : fields[2]!.at, 'this day of month never occurs in the months given, so the schedule would never run');
    }
  }
  return new Schedule(expression, sorted(minutes), sorted(hours), sorted(doms), sorted(months), sorted(dows), domRestricted, dowRestricted);
}

function sorted(s: Set<number>): number[] {
  return [...s].sort((a, b) => a - b);
}

/** One field: a comma-separated list of `*`, `N`, `A-B`, each optionally `/STEP`. */
function parseField(expression: string, text: string, at: number, spec: FieldSpec): Set<number> {
  const out = new Set<number>();
  let pos = at;
  for (const item of text.split(',')) {
    if (item === '') throw new CronSyntaxError(expression, pos, `empty list item in the ${spec.name} field`);
    const slash = item.indexOf('/');
    const rangeText = slash < 0 ? item : item.slice(0, slash);
    let step = 1;
    if (slash >= 0) {
      const stepText = item.slice(slash + 1);
      const stepAt = pos + slash + 1;
      if (!/^\d+$/.test(stepText)) throw new CronSyntaxError(expression, stepAt, `step must be a positive integer in the ${spec.name} field, got ${JSON.stringify(stepText)}`);
      step = Number(stepText);
      if (step < 1 || step > spec.max - spec.min + 1) {
        throw new CronSyntaxError(expression, stepAt, `step ${step} is out of range 1-${spec.max - spec.min + 1} in the ${spec.name} field`);
      }
    }
    let lo: number;
    let hi: number;
    if (rangeText === '*') {
      lo = spec.min;
      hi = spec.max === 7 ? 6 : spec.max; // `*` in day of week is 0-6 (7 would repeat Sunday)
    } else {
      const dash = rangeText.indexOf('-');
      if (dash < 0) {
        lo = value(expression, rangeText, pos, spec);
        // `N/STEP` means from N to the end of the field, stepping (Vixie cron).
        hi = slash >= 0 ? spec.max : lo;
      } else {
        lo = value(expression, rangeText.slice(0, dash), pos, spec);
        hi = value(expression, rangeText.slice(dash + 1), pos + dash + 1, spec);
        if (hi < lo) throw new CronSyntaxError(expression, pos, `range ${rangeText} runs backwards in the ${spec.name} field`);
      }
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
    pos += item.length + 1;
  }
  return out;
}

/** A number or (month / day-of-week) a three-letter name, checked against the field's range. */
function value(expression: string, text: string, at: number, spec: FieldSpec): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) throw new CronSyntaxError(expression, at, `${n} is out of range ${spec.min}-${spec.max} for the ${spec.name} field`);
    return n;
  }
  if (spec.names && /^[a-z]{3}$/i.test(text)) {
    const i = spec.names.indexOf(text.toUpperCase());
    if (i >= 0) return i + spec.namesFrom!;
  }
  const what = text === '' ? 'a missing value' : JSON.stringify(text);
  const allowed = spec.names ? `a number ${spec.min}-${spec.max} or a name (${spec.names.join(', ')})` : `a number ${spec.min}-${spec.max}`;
  throw new CronSyntaxError(expression, at, `${what} in the ${spec.name} field: expected ${allowed}`);
}

class Schedule implements CronSchedule {
  readonly #minute: boolean[];
  readonly #hour: boolean[];
  readonly #dom: boolean[];
  readonly #month: boolean[];
  readonly #dow: boolean[];

  constructor(
    readonly expression: string,
    readonly minutes: readonly number[],
    readonly hours: readonly number[],
    readonly daysOfMonth: readonly number[],
    readonly months: readonly number[],
    readonly daysOfWeek: readonly number[],
    readonly domRestricted: boolean,
    readonly dowRestricted: boolean,
  ) {
    const table = (values: readonly number[], size: number) => {
      const t = new Array<boolean>(size).fill(false);
      for (const v of values) t[v] = true;
      return t;
    };
    this.#minute = table(minutes, 60);
    this.#hour = table(hours, 24);
    this.#dom = table(daysOfMonth, 32);
    this.#month = table(months, 13);
    this.#dow = table(daysOfWeek, 7);
  }

  /**
   * Vixie cron's day rule: when both day fields are restricted (neither starts with `*`), a day
   * matches if EITHER matches ("the 1st and the 15th, and every Monday"); otherwise both must.
   */
  #dayMatches(d: Date): boolean {
    const dom = this.#dom[d.getUTCDate()]!;
    const dow = this.#dow[d.getUTCDay()]!;
    return this.domRestricted && this.dowRestricted ? dom || dow : dom && dow;
  }

  matches(date: Date | number): boolean {
    const d = new Date(date);
    return this.#minute[d.getUTCMinutes()]! && this.#hour[d.getUTCHours()]! && this.#month[d.getUTCMonth() + 1]! && this.#dayMatches(d);
  }

  next(after: Date | number): Date {
    const from = typeof after === 'number' ? after : after.getTime();
    if (!Number.isFinite(from)) throw new RangeError(`next(): not a valid date: ${String(after)}`);
    // The first whole minute strictly after `after`.
    let t = Math.floor(from / MINUTE) * MINUTE + MINUTE;
    const limit = new Date(t).getUTCFullYear() + SEARCH_YEARS;
    for (;;) {
      const d = new Date(t);
      if (d.getUTCFullYear() > limit) throw new RangeError(`cron ${this.expression}: no matching time within ${SEARCH_YEARS} years`);
      if (!this.#month[d.getUTCMonth() + 1]) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1); // first minute of the next month
        continue;
      }
      if (!this.#dayMatches(d)) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
        continue;
      }
      if (!this.#hour[d.getUTCHours()]) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
        continue;
      }
      const m = this.minutes.find((x) => x >= d.getUTCMinutes());
      if (m === undefined) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
        continue;
      }
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), m));
    }
  }
}
