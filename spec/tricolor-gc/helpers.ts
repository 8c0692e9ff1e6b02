/**
 * Spec helpers: a shadow model of the object graph (reachability by plain BFS), random mutator
 * programs that only use references the mutator can reach, and a runner that interleaves them
 * with collector steps and checks the collector against the model after every operation.
 */
import { Heap, type Barrier, type Color, type ObjectId } from '#kata/tricolor-gc';
import { fc } from '#support/property';

/** Colour letters of every live object, ascending: "1B 2G 3W". */
export function colours(heap: Heap): string {
  return heap
    .ids()
    .map((id) => `${id}${letter(heap.colorOf(id))}`)
    .join(' ');
}

function letter(c: Color): string {
  return c === 'white' ? 'W' : c === 'grey' ? 'G' : c === 'black' ? 'B' : `?${String(c)}`;
}

/** Builds a heap from an adjacency list: `graph[i]` are the slots of the i-th allocated object. */
export function build(heap: Heap, graph: Array<Array<number | null>>, roots: number[]): ObjectId[] {
  const ids = graph.map(() => heap.alloc());
  graph.forEach((slots, i) => slots.forEach((t, s) => heap.write(ids[i]!, s, t === null ? null : ids[t]!)));
  for (const r of roots) heap.addRoot(ids[r]!);
  return ids;
}

/** Ids reachable from the heap's roots, read through the heap's own API. */
export function reachableInHeap(heap: Heap): Set<ObjectId> {
  const seen = new Set<ObjectId>();
  const todo = heap.roots();
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (let s = 0; s < heap.slots; s++) {
      const t = heap.read(id, s);
      if (t !== null) todo.push(t);
    }
  }
  return seen;
}

/** Edges from a black object to a white one: the strong tricolor invariant forbids them. */
export function blackToWhite(heap: Heap): Array<[ObjectId, ObjectId]> {
  const bad: Array<[ObjectId, ObjectId]> = [];
  for (const id of heap.ids()) {
    if (heap.colorOf(id) !== 'black') continue;
    for (let s = 0; s < heap.slots; s++) {
      const t = heap.read(id, s);
      if (t !== null && heap.has(t) && heap.colorOf(t) === 'white') bad.push([id, t]);
    }
  }
  return bad;
}

/** The collector freed an object the mutator can still reach. */
export class LostObjectError extends Error {
  readonly code = 'LOST_OBJECT';
  constructor(readonly id: ObjectId, detail: string) {
    super(`object ${id} is reachable from the roots but was freed\n${detail}`);
    this.name = 'LostObjectError';
  }
}

/** The collector broke one of its own rules (colours, invariant, garbage left behind). */
export class CollectorRuleError extends Error {
  readonly code = 'COLLECTOR_RULE';
  constructor(message: string, detail: string) {
    super(`${message}\n${detail}`);
    this.name = 'CollectorRuleError';
  }
}

export type Op =
  | { kind: 'alloc' }
  | { kind: 'allocRoot' }
  | { kind: 'allocInto'; src: number; slot: number }
  | { kind: 'write'; src: number; slot: number; dst: number | null }
  | { kind: 'addRoot'; pick: number }
  | { kind: 'removeRoot'; pick: number }
  | { kind: 'move'; edge: number; dst: number; slot: number }
  | { kind: 'hoist'; edge: number }
  | { kind: 'sink'; root: number; dst: number; slot: number }
  | { kind: 'step'; budget: number };

export const SLOTS = 2;

const pick = fc.nat(40);
const slot = fc.nat(SLOTS - 1);

/**
 * One mutator operation or collector step. Picks index the (sorted) reachable objects, the roots,
 * or the edges out of reachable objects. Besides single writes, the mutator moves pointers the
 * way real programs do (relinking a list or a tree): store a pointer somewhere else, then clear
 * the old slot (`move`); take it into a root, then clear the slot (`hoist`); store a root into a
 * slot, then drop the root (`sink`). Each is one operation: no collector step in between.
 */
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ kind: fc.constant('step' as const), budget: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 14, arbitrary: fc.record({ kind: fc.constant('write' as const), src: pick, slot, dst: fc.option(pick, { freq: 4 }) }) },
  { weight: 14, arbitrary: fc.record({ kind: fc.constant('allocInto' as const), src: pick, slot }) },
  { weight: 22, arbitrary: fc.record({ kind: fc.constant('move' as const), edge: pick, dst: pick, slot }) },
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('hoist' as const), edge: pick }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('sink' as const), root: pick, dst: pick, slot }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('allocRoot' as const) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('removeRoot' as const), pick }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('addRoot' as const), pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('alloc' as const) }) },
);

export const programArb = fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' });

export interface RunChecks {
  /** Check the strong invariant (no black → white edge) after every operation while marking. */
  strong?: boolean;
}

/**
 * Runs `ops` on a fresh heap with `barrier`, mirroring every mutator operation in a model graph.
 * After every operation: everything the model reaches is live and holds the same pointers;
 * nothing is grey outside marking and everything is white when idle; with `strong`, no black
 * object points to a white one while marking; when a cycle ends, every object that was already
 * garbage when it began has been freed. At the end, `collectFull()` must leave exactly the
 * reachable objects. Throws LostObjectError or CollectorRuleError.
 */
export function runProgram(barrier: Barrier, ops: readonly Op[], checks: RunChecks = {}): Heap {
  const heap = new Heap({ slots: SLOTS, barrier });
  const model = new Map<ObjectId, Array<ObjectId | null>>();
  const roots = new Set<ObjectId>();
  const log: string[] = [];
  let pending: { cycle: number; garbage: ObjectId[] } | undefined;

  const reach = (): ObjectId[] => {
    const seen = new Set<ObjectId>();
    const todo = [...roots];
    while (todo.length > 0) {
      const id = todo.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const t of model.get(id)!) if (t !== null) todo.push(t);
    }
    return [...seen].sort((a, b) => a - b);
  };
  const detail = () => {
    const lines = [...model].map(([id, slots]) => {
      const live = heap.has(id);
      const c = live ? letter(heap.colorOf(id)) : 'freed';
      return `  ${roots.has(id) ? '*' : ' '}${id} ${c} [${slots.map((s) => s ?? '.').join(' ')}]`;
    });
    return `barrier ${barrier}, phase ${heap.phase}\nlast operations:\n  ${log.slice(-12).join('\n  ')}\nmodel (heap colour):\n${lines.join('\n')}`;
  };
  const alloc = () => {
    const id = heap.alloc();
    model.set(id, new Array<ObjectId | null>(SLOTS).fill(null));
    return id;
  };

  const check = () => {
    const live = reach();
    for (const id of live) {
      if (!heap.has(id)) throw new LostObjectError(id, detail());
      for (let s = 0; s < SLOTS; s++) {
        if (heap.read(id, s) !== model.get(id)![s]) throw new CollectorRuleError(`object ${id} slot ${s} changed behind the mutator's back`, detail());
      }
    }
    // Forget objects the collector freed (only unreachable ones can get here).
    for (const id of [...model.keys()]) if (!heap.has(id)) model.delete(id);
    const phase = heap.phase;
    for (const id of heap.ids()) {
      const c = heap.colorOf(id);
      if (phase === 'idle' && c !== 'white') throw new CollectorRuleError(`object ${id} is ${c} while the collector is idle`, detail());
      if (phase === 'sweep' && c === 'grey') throw new CollectorRuleError(`object ${id} is grey during the sweep`, detail());
    }
    if (checks.strong && phase === 'mark') {
      const bad = blackToWhite(heap);
      if (bad.length > 0) throw new CollectorRuleError(`black object ${bad[0]![0]} points to white object ${bad[0]![1]} while marking`, detail());
    }
    if (pending && heap.stats().completed >= pending.cycle) {
      const kept = pending.garbage.filter((id) => heap.has(id));
      if (kept.length > 0) {
        throw new CollectorRuleError(`objects ${kept.join(', ')} were garbage when cycle ${pending.cycle} began but survived it`, detail());
      }
      pending = undefined;
    }
  };

  for (const op of ops) {
    const live = reach();
    const at = (k: number) => live[k % live.length]!;
    switch (op.kind) {
      case 'alloc':
        log.push(`alloc() = ${alloc()}`);
        break;
      case 'allocRoot': {
        const id = alloc();
        heap.addRoot(id);
        roots.add(id);
        log.push(`alloc() = ${id}; addRoot(${id})`);
        break;
      }
      case 'allocInto': {
        if (live.length === 0) continue;
        const src = at(op.src);
        const id = alloc();
        heap.write(src, op.slot, id);
        model.get(src)![op.slot] = id;
        log.push(`alloc() = ${id}; write(${src}, ${op.slot}, ${id})`);
        break;
      }
      case 'write': {
        if (live.length === 0) continue;
        const src = at(op.src);
        const dst = op.dst === null ? null : at(op.dst);
        heap.write(src, op.slot, dst);
        model.get(src)![op.slot] = dst;
        log.push(`write(${src}, ${op.slot}, ${dst})`);
        break;
      }
      case 'addRoot': {
        if (live.length === 0) continue;
        const id = at(op.pick);
        heap.addRoot(id);
        roots.add(id);
        log.push(`addRoot(${id})`);
        break;
      }
      case 'removeRoot': {
        const rs = [...roots].sort((a, b) => a - b);
        if (rs.length === 0) continue;
        const id = rs[op.pick % rs.length]!;
        heap.removeRoot(id);
        roots.delete(id);
        log.push(`removeRoot(${id})`);
        break;
      }
      case 'move':
      case 'hoist': {
        const edges = live.flatMap((p) => model.get(p)!.flatMap((t, s) => (t === null ? [] : [[p, s, t] as const])));
        if (edges.length === 0) continue;
        const [p, s, t] = edges[op.edge % edges.length]!;
        if (op.kind === 'move') {
          const q = at(op.dst);
          heap.write(q, op.slot, t);
          model.get(q)![op.slot] = t;
          log.push(`write(${q}, ${op.slot}, ${t})`);
        } else {
          heap.addRoot(t);
          roots.add(t);
          log.push(`addRoot(${t})`);
        }
        heap.write(p, s, null);
        model.get(p)![s] = null;
        log.push(`write(${p}, ${s}, null)`);
        break;
      }
      case 'sink': {
        const rs = [...roots].sort((a, b) => a - b);
        if (rs.length === 0) continue;
        const r = rs[op.root % rs.length]!;
        const q = at(op.dst);
        heap.write(q, op.slot, r);
        model.get(q)![op.slot] = r;
        heap.removeRoot(r);
        roots.delete(r);
        log.push(`write(${q}, ${op.slot}, ${r}); removeRoot(${r})`);
        break;
      }
      case 'step': {
        if (heap.phase === 'idle' && !pending) {
          const reachable = new Set(live);
          const garbage = [...model.keys()].filter((id) => !reachable.has(id));
          pending = { cycle: heap.stats().started + 1, garbage };
        }
        heap.step(op.budget);
        log.push(`step(${op.budget}) -> ${heap.phase}`);
        break;
      }
    }
    check();
  }

  if (heap.phase !== 'idle') {
    heap.step(Infinity);
    log.push('step(Infinity)');
    check();
  }
  heap.collectFull();
  log.push('collectFull()');
  check();
  const live = reach();
  const extra = heap.ids().filter((id) => !live.includes(id));
  if (extra.length > 0) throw new CollectorRuleError(`after collectFull, unreachable objects ${extra.join(', ')} are still live`, detail());
  return heap;
}
