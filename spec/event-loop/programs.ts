/**
 * Random programs for stage 4, as fast-check arbitraries: trees of setTimeout, setInterval,
 * setImmediate, process.nextTick, queueMicrotask, Promise#then and clear* calls.
 *
 * Timers are normalised so that no two timer callbacks are due at the same instant: every timer
 * firing gets an instant (a whole number of units after the program's start) that no other firing
 * uses. That is the one restriction that makes Node's order deterministic (see node-runner.mjs):
 * two timers due together, or a timer due "about now", race against Node's real clock.
 */
import { fc } from '#support/property';
import type { Program, ProgramNode } from './program.mjs';

type Kind = ProgramNode['kind'];

interface Raw {
  kind: Kind;
  delay: number;
  times: number;
  target: number;
  kids: Raw[];
}

const kind = fc.oneof(
  { arbitrary: fc.constant<Kind>('timeout'), weight: 4 },
  { arbitrary: fc.constant<Kind>('interval'), weight: 1 },
  { arbitrary: fc.constant<Kind>('immediate'), weight: 4 },
  { arbitrary: fc.constant<Kind>('tick'), weight: 3 },
  { arbitrary: fc.constant<Kind>('micro'), weight: 2 },
  { arbitrary: fc.constant<Kind>('then'), weight: 2 },
  { arbitrary: fc.constant<Kind>('clear'), weight: 1 },
);

const rawNode: (depth: number) => fc.Arbitrary<Raw> = fc.memo((depth: number) =>
  fc.record({
    kind,
    delay: fc.integer({ min: 1, max: 3 }),
    times: fc.integer({ min: 1, max: 3 }),
    target: fc.nat(63),
    kids: depth <= 1 ? fc.constant<Raw[]>([]) : fc.array(rawNode(depth - 1), { maxLength: 3 }),
  }),
);

/** At most this many nodes per program, and no timer later than LAST_INSTANT: a program runs in Node in well under a second. */
const MAX_NODES = 24;
const LAST_INSTANT = 15;

const LETTER: Record<Kind, string> = { timeout: 'T', interval: 'V', immediate: 'I', tick: 'N', micro: 'M', then: 'P', clear: 'X' };

/**
 * Raw trees to a program: ids in pre-order (T1, I2, N3, ...), at most MAX_NODES nodes, no interval
 * inside an interval, clear targets resolved to timer or immediate nodes, and timer delays bumped
 * until every timer firing has an instant of its own.
 */
export function normalize(raws: Raw[]): Program {
  let count = 0;
  const used = new Set<number>([0]);
  const targets: string[] = [];
  const clears: Array<{ node: ProgramNode & { kind: 'clear' }; pick: number }> = [];

  const build = (raw: Raw, scheduledAt: number[], inInterval: boolean): ProgramNode | undefined => {
    if (count >= MAX_NODES) return undefined;
    const k: Kind = raw.kind === 'interval' && inInterval ? 'timeout' : raw.kind;
    const id = `${LETTER[k]}${++count}`;
    let runsAt = scheduledAt;
    let node: ProgramNode;
    if (k === 'clear') {
      node = { kind: 'clear', id, target: '' };
      clears.push({ node, pick: raw.target });
      return node;
    }
    if (k === 'timeout') {
      let d = raw.delay;
      while (scheduledAt.some((s) => used.has(s + d))) d++;
      runsAt = scheduledAt.map((s) => s + d);
      if (runsAt.some((t) => t > LAST_INSTANT)) return undefined;
      node = { kind: 'timeout', id, delay: d, kids: [] };
      targets.push(id);
    } else if (k === 'interval') {
      let p = raw.delay;
      const firings = (period: number) => scheduledAt.flatMap((s) => Array.from({ length: raw.times }, (_, j) => s + (j + 1) * period));
      while (new Set(firings(p)).size !== firings(p).length || firings(p).some((t) => used.has(t))) p++;
      runsAt = firings(p);
      if (runsAt.some((t) => t > LAST_INSTANT)) return undefined;
      node = { kind: 'interval', id, delay: p, times: raw.times, kids: [] };
      targets.push(id);
    } else {
      node = { kind: k, id, kids: [] };
      if (k === 'immediate') targets.push(id);
    }
    if (k === 'timeout' || k === 'interval') for (const t of runsAt) used.add(t);
    for (const kid of raw.kids) {
      const built = build(kid, runsAt, inInterval || k === 'interval');
      if (built) node.kids!.push(built);
    }
    return node;
  };

  const program = raws.map((r) => build(r, [0], false)).filter((n): n is ProgramNode => n !== undefined);
  for (const { node, pick } of clears) node.target = targets.length ? targets[pick % targets.length]! : 'nothing';
  return program;
}

/** A random program: 1 to 4 top-level nodes, trees up to 4 deep. */
export const programArb: fc.Arbitrary<Program> = fc.array(rawNode(4), { minLength: 1, maxLength: 4 }).map(normalize);

/** Every node of a program, depth first. */
export function nodesOf(program: Program): ProgramNode[] {
  return program.flatMap((n) => [n, ...(n.kids ? nodesOf(n.kids) : [])]);
}

/** Shrink candidates: the program without one of its nodes (and that node's subtree). */
export function shrinkCandidates(program: Program): Program[] {
  const out: Program[] = [];
  const total = nodesOf(program).length;
  for (let skip = 0; skip < total; skip++) {
    let i = 0;
    const without = (nodes: ProgramNode[]): ProgramNode[] =>
      nodes.flatMap((n) => {
        if (i++ === skip) return [];
        return [n.kids ? ({ ...n, kids: without(n.kids) } as ProgramNode) : n];
      });
    out.push(without(program));
  }
  return out.filter((p) => p.length > 0);
}
