/** Types for program.mjs (plain JavaScript so the oracle runner starts without a TypeScript loader). */
export type ProgramNode =
  | { kind: 'timeout'; id: string; delay: number; kids: ProgramNode[] }
  | { kind: 'interval'; id: string; delay: number; times: number; kids: ProgramNode[] }
  | { kind: 'immediate' | 'tick' | 'micro' | 'then'; id: string; kids: ProgramNode[] }
  | { kind: 'clear'; id: string; target: string; kids?: undefined };

export type Program = ProgramNode[];

export interface ProgramApi<H = unknown> {
  timeout(cb: () => void, delay: number, at: number): H;
  interval(cb: () => void, period: number): H;
  immediate(cb: () => void): H;
  tick(cb: () => void): void;
  micro(cb: () => void): void;
  then(cb: () => void): void;
  clearTimeout(h: H): void;
  clearInterval(h: H): void;
  clearImmediate(h: H): void;
  log(label: string, instant: number): void;
  done(): void;
}

export function interpret<H>(program: Program, api: ProgramApi<H>): void;
export function describeProgram(program: Program, unitMs: number): string;
