/**
 * Stage 1: cron expressions. next() is checked against a hand-computed table and, for random
 * expressions, against a brute-force minute-by-minute matcher written here from the rules alone.
 */
import { describe, expect, it } from 'vitest';
import { CronSyntaxError, parseCron } from '#kata/task-scheduler';
import { checkProperty, fc } from '#support/property';
import { MIN } from './helpers.ts';

const at = (s: string) => Date.parse(s);

describe('stage 1: cron expressions', () => {
  // [expression, after, expected next] — each worked out by hand from a calendar.
  const table: [string, string, string][] = [
    ['* * * * *', '2030-01-01T00:00:00Z', '2030-01-01T00:01:00Z'],
    ['* * * * *', '2030-01-01T00:00:30Z', '2030-01-01T00:01:00Z'], // strictly after, whole minutes
    ['0 * * * *', '2030-01-01T00:00:00Z', '2030-01-01T01:00:00Z'],
    ['*/15 * * * *', '2030-01-01T00:14:59Z', '2030-01-01T00:15:00Z'],
    ['*/15 * * * *', '2030-01-01T00:45:00Z', '2030-01-01T01:00:00Z'],
    ['5/20 * * * *', '2030-01-01T00:30:00Z', '2030-01-01T00:45:00Z'], // 5, 25, 45
    ['0 9-17/4 * * *', '2030-01-01T13:00:00Z', '2030-01-01T17:00:00Z'], // 9, 13, 17
    ['0 9-17/4 * * *', '2030-01-01T17:00:00Z', '2030-01-02T09:00:00Z'],
    ['1-5,50-52/2 0 * * *', '2030-01-01T00:05:00Z', '2030-01-01T00:50:00Z'], // 1..5, 50, 52
    ['30 8 * * MON-FRI', '2030-01-04T09:00:00Z', '2030-01-07T08:30:00Z'], // Friday after 08:30 -> Monday
    ['0 0 1 * *', '2030-01-15T00:00:00Z', '2030-02-01T00:00:00Z'],
    ['0 0 31 * *', '2030-01-31T00:00:00Z', '2030-03-31T00:00:00Z'], // February has no 31st
    ['0 0 29 2 *', '2030-01-01T00:00:00Z', '2032-02-29T00:00:00Z'], // the next leap year
    ['0 12 13 * FRI', '2030-01-01T00:00:00Z', '2030-01-04T12:00:00Z'], // both restricted: Friday the 4th
    ['0 12 13 * FRI', '2030-01-11T12:00:00Z', '2030-01-13T12:00:00Z'], // ... or the 13th (a Sunday)
    ['0 12 */2 * FRI', '2030-01-01T00:00:00Z', '2030-01-11T12:00:00Z'], // '*/2' counts as '*': odd day AND Friday
    ['0 0 1 1 MON', '2030-01-01T00:00:00Z', '2030-01-07T00:00:00Z'], // 1 January or a Monday
    ['0 0 * * 7', '2030-01-01T00:00:00Z', '2030-01-06T00:00:00Z'], // 7 is Sunday
    ['0 0 * * sun', '2030-01-01T00:00:00Z', '2030-01-06T00:00:00Z'],
    ['0 0 * JAN,jul *', '2030-01-31T00:00:00Z', '2030-07-01T00:00:00Z'],
    ['0 0 1 */3 *', '2030-02-01T00:00:00Z', '2030-04-01T00:00:00Z'], // 1, 4, 7, 10
    ['59 23 31 12 *', '2030-06-01T00:00:00Z', '2030-12-31T23:59:00Z'],
    ['0 0 1 1 *', '2030-12-31T23:59:59Z', '2031-01-01T00:00:00Z'],
    ['@hourly', '2030-01-01T00:59:00Z', '2030-01-01T01:00:00Z'],
    ['@daily', '2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z'],
    ['@weekly', '2030-01-01T00:00:00Z', '2030-01-06T00:00:00Z'],
    ['@monthly', '2030-01-01T00:00:00Z', '2030-02-01T00:00:00Z'],
    ['@yearly', '2030-01-01T00:00:00Z', '2031-01-01T00:00:00Z'],
    ['@annually', '2030-03-01T00:00:00Z', '2031-01-01T00:00:00Z'],
  ];
  it.each(table)('%s after %s is %s', (expr, after, expected) => {
    const next = parseCron(expr).next(new Date(after));
    expect(next).toBeInstanceOf(Date);
    expect(next.toISOString()).toBe(new Date(expected).toISOString());
    expect(parseCron(expr).next(at(after)).getTime()).toBe(at(expected)); // a number works too
  });

  it('parses fields into sorted value sets: names in any case, 7 folded into Sunday, steps from the range start', () => {
    const c = parseCron('0,30 */6 1-10/3 jan-MAR,Dec 5-7');
    expect(c.minutes).toEqual([0, 30]);
    expect(c.hours).toEqual([0, 6, 12, 18]);
    expect(c.daysOfMonth).toEqual([1, 4, 7, 10]);
    expect(c.months).toEqual([1, 2, 3, 12]);
    expect(c.daysOfWeek).toEqual([0, 5, 6]);
    expect(c.domRestricted).toBe(true);
    expect(c.dowRestricted).toBe(true);
    const star = parseCron('*/7 * * * */2');
    expect(star.minutes).toEqual([0, 7, 14, 21, 28, 35, 42, 49, 56]);
    expect(star.daysOfWeek).toEqual([0, 2, 4, 6]);
    expect(star.domRestricted).toBe(false);
    expect(star.dowRestricted).toBe(false); // starts with '*'
    expect(parseCron('  0\t12  * *   *  ').hours).toEqual([12]); // runs of spaces and tabs separate fields
  });

  it('matches() agrees with the fields and ignores seconds', () => {
    const c = parseCron('30 8 * * MON-FRI');
    expect(c.matches(new Date('2030-01-07T08:30:59Z'))).toBe(true); // Monday
    expect(c.matches(at('2030-01-06T08:30:00Z'))).toBe(false); // Sunday
    expect(c.matches(at('2030-01-07T08:31:00Z'))).toBe(false);
    const or = parseCron('0 0 13 * FRI');
    expect(or.matches(at('2030-01-04T00:00:00Z'))).toBe(true); // a Friday, not the 13th
    expect(or.matches(at('2030-01-13T00:00:00Z'))).toBe(true); // the 13th, a Sunday
    expect(or.matches(at('2030-01-05T00:00:00Z'))).toBe(false);
  });

  // [expression, position of the problem]
  const bad: [string, number][] = [
    ['', 0],
    ['* * * *', 7], // a field missing: points at the end
    ['* * * * * *', 10], // one too many: points at it
    ['60 * * * *', 0],
    ['* 24 * * *', 2],
    ['* * 0 * *', 4],
    ['* * * 13 *', 6],
    ['* * * * 8', 8],
    ['*/0 * * * *', 2],
    ['*/x * * * *', 2],
    ['0 0 1/61 * *', 6],
    ['5-1 * * * *', 0],
    ['1-60 * * * *', 2],
    ['* * * FOO *', 6],
    ['* * * JAN-FOO *', 10],
    ['* * * * MON-XYZ', 12],
    ['1,,2 * * * *', 2],
    ['0 0 * * 1,', 10],
    ['0 0 30 2 *', 4], // 30 February never comes
    ['0 0 31 4,6,9,11 *', 4],
    ['@reboot', 0],
    ['  @fortnightly', 2],
    ['0 0 * * MONDAY', 8],
    ['1.5 * * * *', 0],
    ['-1 * * * *', 0],
  ];
  it.each(bad)('%j is a CronSyntaxError at position %i', (expr, position) => {
    let caught: unknown;
    try {
      parseCron(expr);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CronSyntaxError);
    const e = caught as CronSyntaxError;
    expect(e.position).toBe(position);
    expect(e.expression).toBe(expr);
    expect(e.reason.length).toBeGreaterThan(5);
    expect(e.message).toContain(`position ${position}`);
  });

  it('30 February with a restricted day of week is not an error: the weekday alone decides (OR rule)', () => {
    expect(parseCron('0 0 30 2 MON').next(at('2030-01-01T00:00:00Z')).toISOString()).toBe('2030-02-04T00:00:00.000Z');
  });

  it('next() equals a brute-force minute-by-minute search, for random expressions and moments (property)', async () => {
    await checkProperty(
      fc.property(arbCron(), fc.integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2090, 0, 1) / 1000 }), (cron, sec) => {
        const after = sec * 1000;
        if (!cron.possible) {
          expect(() => parseCron(cron.text)).toThrow(CronSyntaxError);
          return;
        }
        const got = parseCron(cron.text).next(after).getTime();
        const want = bruteNext(cron, after, WINDOW);
        if (want === undefined) expect(got, `nothing within ${WINDOW} minutes, so next() must be later`).toBeGreaterThan(after + WINDOW * MIN);
        else expect(new Date(got).toISOString()).toBe(new Date(want).toISOString());
      }),
      { numRuns: 150 },
    );
  });
});

// ------------------------------------------------------------------ the oracle

/** Brute force looks this many minutes ahead (40 days). */
const WINDOW = 40 * 24 * 60;

interface ModelCron {
  text: string;
  fields: Set<number>[]; // minute, hour, dom, month, dow (dow 0-6)
  domStar: boolean;
  dowStar: boolean;
  possible: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const LIMITS: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function name(field: number, v: number, useName: boolean, lower: boolean): string {
  let s = String(v);
  if (useName && field === 3) s = MONTHS[v - 1]!;
  if (useName && field === 4 && v <= 6) s = DAYS[v]!;
  return lower ? s.toLowerCase() : s;
}

/** One list item of a field: its text and the values it stands for, by the rules in the README. */
function arbItem(field: number): fc.Arbitrary<{ text: string; values: number[] }> {
  const [min, max] = LIMITS[field]!;
  const starMax = field === 4 ? 6 : max;
  const range = (lo: number, hi: number, step: number) => {
    const out: number[] = [];
    for (let v = lo; v <= hi; v += step) out.push(v);
    return out;
  };
  const v = fc.integer({ min, max });
  const step = fc.integer({ min: 1, max: Math.max(1, Math.ceil((max - min + 1) / 2)) });
  const style = fc.tuple(fc.boolean(), fc.boolean());
  return fc.oneof(
    fc.constant({ text: '*', values: range(min, starMax, 1) }),
    step.map((s) => ({ text: `*/${s}`, values: range(min, starMax, s) })),
    fc.tuple(v, style).map(([a, [n, l]]) => ({ text: name(field, a, n, l), values: [a] })),
    fc.tuple(v, v, style).map(([a, b, [n, l]]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${name(field, lo, n, l)}-${name(field, hi, n, l)}`, values: range(lo, hi, 1) };
    }),
    fc.tuple(v, v, step).map(([a, b, s]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${lo}-${hi}/${s}`, values: range(lo, hi, s) };
    }),
    fc.tuple(v, step).map(([a, s]) => ({ text: `${a}/${s}`, values: range(a, max, s) })),
  );
}

function arbField(field: number): fc.Arbitrary<{ text: string; values: Set<number> }> {
  return fc.array(arbItem(field), { minLength: 1, maxLength: 3 }).map((items) => ({
    text: items.map((i) => i.text).join(','),
    values: new Set(items.flatMap((i) => i.values).map((x) => (field === 4 && x === 7 ? 0 : x))),
  }));
}

const DAYS_IN = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function arbCron(): fc.Arbitrary<ModelCron> {
  // '*' is likelier for the wide fields, so that many expressions match within the window.
  const wide = (field: number) => fc.oneof({ weight: 2, arbitrary: fc.constant({ text: '*', values: new Set(Array.from({ length: LIMITS[field]![1] - LIMITS[field]![0] + 1 }, (_, i) => i + LIMITS[field]![0])) }) }, { weight: 3, arbitrary: arbField(field) });
  return fc.tuple(arbField(0), arbField(1), wide(2), wide(3), wide(4)).map((f) => {
    const dow = new Set([...f[4].values].map((x) => (x === 7 ? 0 : x)));
    const fields = [f[0].values, f[1].values, f[2].values, f[3].values, dow];
    const domStar = f[2].text.startsWith('*');
    const dowStar = f[4].text.startsWith('*');
    const possible = (!domStar && !dowStar) || [...f[3].values].some((m) => [...f[2].values].some((d) => d <= DAYS_IN[m - 1]!));
    return { text: f.map((x) => x.text).join(' '), fields, domStar, dowStar, possible };
  });
}

/** Vixie cron's rule, restated: both day fields restricted -> either may match; else both must. */
function dayMatches(c: ModelCron, d: Date): boolean {
  const [, , dom, mo, dow] = c.fields as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (!mo.has(d.getUTCMonth() + 1)) return false;
  const a = dom.has(d.getUTCDate());
  const b = dow.has(d.getUTCDay());
  return !c.domStar && !c.dowStar ? a || b : a && b;
}

/** Every minute after `after`, one by one (the day part looked up once per day). */
function bruteNext(c: ModelCron, after: number, minutes: number): number | undefined {
  const [mi, h] = c.fields as [Set<number>, Set<number>];
  const DAY = 24 * 60 * MIN;
  let t = Math.floor(after / MIN) * MIN + MIN;
  let day = -1;
  let dayOk = false;
  for (let i = 0; i < minutes; i++, t += MIN) {
    if (Math.floor(t / DAY) !== day) {
      day = Math.floor(t / DAY);
      dayOk = dayMatches(c, new Date(t));
    }
    if (dayOk && mi.has((t / MIN) % 60) && h.has(Math.floor(t / (60 * MIN)) % 24)) return t;
  }
  return undefined;
}
