/**
 * The grader against a fixture workbook of hostile katas: it must report each one with its reason
 * and always finish, grading the rest.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli.ts';

interface GradedKata {
  slug: string;
  passed: number;
  total: number;
  status: string;
  reason?: string;
  problems: string[];
  tests: Array<{ name: string; stub: 'pass' | 'fail'; state?: string }>;
}

let graded: Map<string, GradedKata>;
let run: ReturnType<typeof cli>;

beforeAll(() => {
  run = cli(['grade', '--json']);
  graded = new Map((JSON.parse(run.stdout).katas as GradedKata[]).map((k) => [k.slug, k]));
}, 300_000);

const result = (slug: string, test: string) => graded.get(slug)!.tests.find((t) => t.name.endsWith(test));

describe('grade over hostile katas', () => {
  it('finishes, exits 0 and reports every kata of the manifest', () => {
    expect(run.code).toBe(0);
    expect([...graded.keys()]).toEqual(['honest', 'lenient', 'hangs', 'never-resolves', 'import-throws', 'exits', 'leaks', 'fills-disk']);
  });

  it('a stub that throws "not implemented" fails every test', () => {
    expect(graded.get('honest')).toMatchObject({ passed: 0, total: 3, status: 'not started' });
  });

  it('an endless loop is reported as hung, and the other tests are still graded', () => {
    const k = graded.get('hangs')!;
    expect(result('hangs', 'adds forty and two')).toMatchObject({ stub: 'fail', state: 'hung' });
    expect(result('hangs', 'adds small numbers')?.stub).toBe('pass');
    expect(result('hangs', 'adds later')?.stub).toBe('pass');
    expect(k.status).toBe('hangs');
  });

  it('a promise that never settles fails only its test, by timeout', () => {
    expect(result('never-resolves', 'adds later')?.stub).toBe('fail');
    expect(result('never-resolves', 'adds small numbers')?.stub).toBe('pass');
  });

  it('a stub that throws at import fails every test of the spec, with the reason', () => {
    const k = graded.get('import-throws')!;
    expect(k.total).toBe(3);
    expect(k.passed).toBe(0);
    expect(k.status).toBe('broken');
    expect(k.reason).toContain('boom at import');
  });

  it('process.exit in learner code fails the calling tests instead of ending the run', () => {
    expect(result('exits', 'adds small numbers')?.stub).toBe('fail');
    expect(result('exits', 'adds later')?.stub).toBe('pass');
  });

  it('a server and an interval left running are reported as a leak', () => {
    const k = graded.get('leaks')!;
    expect(k.status).toBe('broken');
    expect(k.reason).toMatch(/LeakedHandlesError: left running after the tests: .*TCPServerWrap.*Timeout/);
  });

  it('temp files past the limit stop the run and are reported', () => {
    const k = graded.get('fills-disk')!;
    expect(k.status).toBe('broken');
    expect(k.reason).toMatch(/wrote more than 8 MiB of temporary files/);
    expect(result('fills-disk', 'adds later')?.stub).toBe('pass');
  });
});

describe('check over the fixture', () => {
  let report: {
    katas: Array<{ slug: string; tests: Array<{ name: string; solution: string; stub: string }>; mutants: Array<{ name: string; killed: boolean }>; problems: string[] }>;
    passed: number;
    failed: number;
  };
  let out: ReturnType<typeof cli>;
  beforeAll(() => {
    out = cli(['check', 'honest', 'lenient', '--json']);
    report = JSON.parse(out.stdout);
  }, 300_000);

  it('exits non-zero when any kata is dishonest', () => {
    expect(out.code).toBe(1);
    expect(report.failed).toBeGreaterThan(0);
  });

  it('shows every test of an honest spec failing on the stub and passing on the solution', () => {
    const honest = report.katas.find((k) => k.slug === 'honest')!;
    expect(honest.tests).toHaveLength(3);
    for (const t of honest.tests) expect(t).toMatchObject({ solution: 'pass', stub: 'fail' });
  });

  it('catches a test that a stub passes by throwing anything', () => {
    const lenient = report.katas.find((k) => k.slug === 'lenient')!;
    expect(lenient.tests.find((t) => t.name.includes('any throw passes'))).toMatchObject({ solution: 'pass', stub: 'pass' });
  });

  it('reports which mutants are killed and which survive', () => {
    const honest = report.katas.find((k) => k.slug === 'honest')!;
    expect(honest.mutants).toEqual([
      { name: 'off-by-one', killed: true },
      { name: 'survivor', killed: false },
    ]);
  });

  it('names structural problems: too few mutants, stages without tests', () => {
    const lenient = report.katas.find((k) => k.slug === 'lenient')!;
    expect(lenient.problems).toEqual(expect.arrayContaining([expect.stringMatching(/0 mutants/), expect.stringMatching(/stage 2 \(more\) has no tests/)]));
  });
});

describe('command line', () => {
  it('an unknown kata exits 2 with a did-you-mean', () => {
    const r = cli(['grade', 'honset']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('There is no kata "honset". Did you mean "honest"?');
  });

  it('an unknown flag exits 2 with the usage', () => {
    const r = cli(['grade', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flag --frobnicate');
    expect(r.stderr).toContain('npm run grade [kata]');
  });

  it('hints come one level at a time', () => {
    const r = cli(['hint', 'honest', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('hint 2 of 2');
    expect(r.stdout).toContain('Add the numbers.');
  });

  it('a hint level that does not exist is a usage error', () => {
    const r = cli(['hint', 'honest', '9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has hints 1 to 2');
  });

  it('--strict exits non-zero when a kata fails', () => {
    const r = cli(['grade', 'honest', '--strict']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not implemented');
  });
});
