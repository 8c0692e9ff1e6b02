/**
 * A vitest reporter that streams one JSON line per event to $KATA_RESULTS as it happens, so the
 * grader still knows what finished when it has to kill a run that hung or filled the disk.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { SerializedError } from 'vitest';

export type RunEvent =
  | { type: 'collected'; file: string; tests: string[] }
  | { type: 'result'; file: string; name: string; state: 'passed' | 'failed' | 'skipped'; errors: ErrorInfo[]; note?: string; ms: number }
  | { type: 'module'; file: string; errors: ErrorInfo[] }
  | { type: 'end'; reason: string; errors: ErrorInfo[] }
  /** Written by spec/support/setup.ts inside the test process, around each test. */
  | { type: 'start' | 'finish'; name: string };

export interface ErrorInfo {
  name?: string;
  message: string;
  stack?: string;
  expected?: string;
  actual?: string;
  diff?: string;
}

/** Test names are the describe path joined with " > ", as vitest's `-t` matches them. */
export const NAME_SEPARATOR = ' > ';

function info(e: SerializedError | Record<string, unknown>): ErrorInfo {
  const err = e as Record<string, unknown>;
  const str = (v: unknown): string | undefined => {
    if (typeof v === 'string' || v === undefined) return v;
    try {
      // BigInt and cycles make JSON.stringify throw; a result must never be lost over its message.
      return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
    } catch {
      return String(v);
    }
  };
  return {
    name: str(err.name),
    message: str(err.message) ?? String(e),
    stack: str(err.stack),
    expected: str(err.expected),
    actual: str(err.actual),
    diff: str(err.diff),
  };
}

function testName(t: TestCase): string {
  const parts: string[] = [t.name];
  let p = t.parent;
  while (p.type === 'suite') {
    parts.unshift(p.name);
    p = p.parent;
  }
  return parts.join(NAME_SEPARATOR);
}

export default class StreamReporter implements Reporter {
  private readonly out = process.env.KATA_RESULTS;
  private root = process.cwd();

  private emit(event: RunEvent): void {
    if (this.out) appendFileSync(this.out, `${JSON.stringify(event)}\n`);
  }

  private rel(m: TestModule): string {
    return path.relative(this.root, m.moduleId);
  }

  onInit(ctx: { config: { root: string } }): void {
    this.root = ctx.config.root;
  }

  onTestModuleCollected(m: TestModule): void {
    this.emit({ type: 'collected', file: this.rel(m), tests: [...m.children.allTests()].map(testName) });
  }

  onTestCaseResult(t: TestCase): void {
    const r = t.result();
    const state = r.state === 'passed' ? 'passed' : r.state === 'failed' ? 'failed' : 'skipped';
    this.emit({
      type: 'result',
      file: this.rel(t.module),
      name: testName(t),
      state,
      errors: (r.errors ?? []).map(info),
      note: r.state === 'skipped' ? r.note : undefined,
      ms: Math.round(t.diagnostic()?.duration ?? 0),
    });
  }

  onTestModuleEnd(m: TestModule): void {
    const errors = m.errors();
    if (errors.length) this.emit({ type: 'module', file: this.rel(m), errors: errors.map(info) });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<SerializedError>, reason: string): void {
    this.emit({ type: 'end', reason, errors: errors.map(info) });
  }
}
