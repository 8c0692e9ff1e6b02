/**
 * A simulated heap with an incremental tricolor mark-and-sweep collector.
 *
 * The mutator (the program) allocates objects with a fixed number of pointer slots, writes
 * pointers into them and keeps some objects as roots. The collector runs in small steps between
 * mutator operations:
 *
 *   idle ──step──▶ mark ──(worklist empty, roots rescanned)──▶ sweep ──(last object)──▶ idle
 *
 * Colours: white = not yet seen (garbage if still white when marking ends), grey = seen but its
 * slots not yet scanned (it sits in the worklist), black = seen and scanned.
 *
 * Because the mutator runs while marking is under way, a write can hide a white object behind a
 * black one. The write barrier (Dijkstra or Yuasa) prevents that; see `#writeBarrier`.
 */
import { SlotRangeError, UnknownObjectError } from './errors.ts';

export type ObjectId = number;
export type Color = 'white' | 'grey' | 'black';
export type Phase = 'idle' | 'mark' | 'sweep';
export type Barrier = 'dijkstra' | 'yuasa' | 'none';

export interface HeapOptions {
  /** Pointer slots per object, a whole number in [0, 64]. Default 2. */
  slots?: number;
  /** The write barrier used while marking. Default 'dijkstra'. */
  barrier?: Barrier;
}

export interface GcStats {
  /** Objects allocated so far. */
  allocated: number;
  /** Objects freed by the sweeper so far. */
  freed: number;
  /** Cycles begun (the one in progress included). */
  started: number;
  /** Cycles finished (back to idle). */
  completed: number;
  /** Objects the marker scanned (turned from grey to black). */
  scanned: number;
  /** Objects the write barrier turned from white to grey. */
  shaded: number;
}

export interface FrameObject {
  id: ObjectId;
  color: Color;
  root: boolean;
  slots: Array<ObjectId | null>;
}

/** A snapshot of the heap for the visualisation. */
export interface Frame {
  label: string;
  phase: Phase;
  /** `stats().started`: the cycle in progress, or the last one if idle (0 before the first). */
  cycle: number;
  /** Grey objects in the order the marker will scan them. */
  worklist: ObjectId[];
  /** Every live object, by ascending id. */
  objects: FrameObject[];
}

interface HeapObject {
  color: Color;
  slots: Array<ObjectId | null>;
}

const BARRIERS: readonly Barrier[] = ['dijkstra', 'yuasa', 'none'];
const MAX_SLOTS = 64;

export class Heap {
  readonly slots: number;
  readonly barrier: Barrier;

  /** Live objects. Ids only grow, so a Map keeps them in ascending order. */
  readonly #objects = new Map<ObjectId, HeapObject>();
  readonly #roots = new Set<ObjectId>();
  #nextId = 1;
  #phase: Phase = 'idle';
  /** The roots are shaded by the first unit of work of a cycle. */
  #rootsScanned = false;
  /** FIFO queue of grey objects: an array with a head index (Array#shift is O(n)). */
  #worklist: ObjectId[] = [];
  #head = 0;
  /** The objects that existed when the sweep began, and how far the sweeper has got. */
  #sweepList: ObjectId[] = [];
  #sweepAt = 0;
  readonly #stats: GcStats = { allocated: 0, freed: 0, started: 0, completed: 0, scanned: 0, shaded: 0 };

  constructor(options: HeapOptions = {}) {
    const { slots = 2, barrier = 'dijkstra' } = options;
    if (!Number.isInteger(slots) || slots < 0 || slots > MAX_SLOTS) {
      throw new RangeError(`slots must be a whole number from 0 to ${MAX_SLOTS}, got ${String(slots)}`);
    }
    if (!BARRIERS.includes(barrier)) {
      throw new RangeError(`barrier must be one of ${BARRIERS.join(', ')}, got ${String(barrier)}`);
    }
    this.slots = slots;
    this.barrier = barrier;
  }

  // -------------------------------------------------------------------------------------------
  // The mutator's side
  // -------------------------------------------------------------------------------------------

  /**
   * A new object with every slot null. It is not a root: link it or root it before the next
   * collector step, or it is garbage.
   *
   * Colour: black while marking (the marker is past the point where it could find it, and it
   * holds no pointers yet, so black breaks no invariant); white otherwise. During the sweep white
   * is safe because the sweeper only visits the objects that existed when the sweep began.
   */
  alloc(): ObjectId {
    const id = this.#nextId++;
    const color: Color = this.#phase === 'mark' ? 'black' : 'white';
    this.#objects.set(id, { color, slots: new Array<ObjectId | null>(this.slots).fill(null) });
    this.#stats.allocated++;
    return id;
  }

  /** The pointer in `slot` of `id` (null if empty). No read barrier: reads never change colours. */
  read(id: ObjectId, slot: number): ObjectId | null {
    const obj = this.#live(id);
    this.#checkSlot(id, slot);
    return obj.slots[slot]!;
  }

  /** Stores `target` (a live object or null) in `slot` of `id`, through the write barrier. */
  write(id: ObjectId, slot: number, target: ObjectId | null): void {
    const obj = this.#live(id);
    this.#checkSlot(id, slot);
    if (target !== null) this.#live(target);
    const old = obj.slots[slot]!;
    this.#writeBarrier(old, target);
    obj.slots[slot] = target;
  }

  /** Makes `id` a root. False if it already was one. Roots are not behind the barrier. */
  addRoot(id: ObjectId): boolean {
    this.#live(id);
    if (this.#roots.has(id)) return false;
    this.#roots.add(id);
    return true;
  }

  /** Stops `id` being a root. False if it was not one. */
  removeRoot(id: ObjectId): boolean {
    this.#live(id);
    return this.#roots.delete(id);
  }

  isRoot(id: ObjectId): boolean {
    this.#live(id);
    return this.#roots.has(id);
  }

  /** The roots, ascending. */
  roots(): ObjectId[] {
    return [...this.#roots].sort((a, b) => a - b);
  }

  /** True if `id` is a live object. */
  has(id: ObjectId): boolean {
    return this.#objects.has(id);
  }

  /** Every live object, ascending. */
  ids(): ObjectId[] {
    return [...this.#objects.keys()];
  }

  get size(): number {
    return this.#objects.size;
  }

  // -------------------------------------------------------------------------------------------
  // The collector's side
  // -------------------------------------------------------------------------------------------

  get phase(): Phase {
    return this.#phase;
  }

  colorOf(id: ObjectId): Color {
    return this.#live(id).color;
  }

  /** The grey objects, in the order they will be scanned. */
  worklist(): ObjectId[] {
    return this.#worklist.slice(this.#head);
  }

  stats(): GcStats {
    return { ...this.#stats };
  }

  /**
   * Does up to `budget` units of collector work and returns how many it did. From idle it first
   * begins a cycle; it stops early when the cycle ends, so one call never begins a second cycle.
   *
   * One unit is one of: shade every root (the first unit of a cycle, atomic like a stack scan);
   * scan one grey object; end marking when the worklist is empty (with Dijkstra: rescan the
   * roots, and keep marking if that shaded any); sweep one object.
   */
  step(budget = 1): number {
    if (budget !== Infinity && (!Number.isInteger(budget) || budget < 1)) {
      throw new RangeError(`budget must be a whole number >= 1 or Infinity, got ${String(budget)}`);
    }
    if (this.#phase === 'idle') this.#beginCycle();
    let done = 0;
    while (done < budget && this.#phase !== 'idle') {
      this.#unit();
      done++;
    }
    return done;
  }

  /**
   * Stop-the-world collection: finishes the cycle in progress (if any), then runs one whole cycle.
   * Afterwards exactly the objects reachable from the roots are live. Returns how many objects it
   * freed.
   */
  collectFull(): number {
    const before = this.#stats.freed;
    if (this.#phase !== 'idle') this.step(Infinity);
    this.step(Infinity);
    return this.#stats.freed - before;
  }

  /** A copy of the heap's state for the visualisation. */
  frame(label = ''): Frame {
    return {
      label,
      phase: this.#phase,
      cycle: this.#stats.started,
      worklist: this.worklist(),
      objects: [...this.#objects].map(([id, o]) => ({ id, color: o.color, root: this.#roots.has(id), slots: [...o.slots] })),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------------

  #live(id: ObjectId): HeapObject {
    const obj = typeof id === 'number' ? this.#objects.get(id) : undefined;
    if (!obj) throw new UnknownObjectError(id);
    return obj;
  }

  #checkSlot(id: ObjectId, slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slots) throw new SlotRangeError(id, slot, this.slots);
  }

  /**
   * White → grey, onto the worklist. Only white objects: a grey object is already queued and a
   * black one already scanned, so each object is scanned at most once per cycle.
   */
  #shade(id: ObjectId, byBarrier: boolean): void {
    const obj = this.#objects.get(id)!;
    if (obj.color !== 'white') return; // grey: queued already; black: scanned already
    obj.color = 'grey';
    this.#worklist.push(id);
    if (byBarrier) this.#stats.shaded++;
  }

  /**
   * The write barrier, active only while marking (outside marking every object is white, and the
   * sweeper never looks at pointers).
   *
   * - Dijkstra (insertion): shade the new target. A black object can then never point to a white
   *   one (the strong tricolor invariant). Roots are not barriered, so marking must end with a
   *   rescan of the roots.
   * - Yuasa (deletion, snapshot-at-the-beginning): shade the old target. Every object reachable
   *   when the roots were shaded keeps a path the marker will follow or gets shaded when the path
   *   is cut; new objects are black. No rescan needed.
   */
  #writeBarrier(old: ObjectId | null, target: ObjectId | null): void {
    if (this.#phase !== 'mark') return;
    if (this.barrier === 'dijkstra' && target !== null) this.#shade(target, true);
    else if (this.barrier === 'yuasa' && old !== null) this.#shade(old, true);
  }

  #shadeRoots(): void {
    for (const id of this.roots()) this.#shade(id, false);
  }

  #beginCycle(): void {
    this.#phase = 'mark';
    this.#rootsScanned = false;
    this.#worklist = [];
    this.#head = 0;
    this.#stats.started++;
  }

  #unit(): void {
    if (this.#phase === 'mark') this.#markUnit();
    else this.#sweepUnit();
  }

  #markUnit(): void {
    if (!this.#rootsScanned) {
      this.#rootsScanned = true;
      this.#shadeRoots();
      return;
    }
    if (this.#head < this.#worklist.length) {
      this.#scan(this.#pop());
      return;
    }
    // Mark termination. With an insertion barrier a root may hold the only pointer to a white
    // object (roots are written without a barrier): shade the roots again, and keep marking if
    // that found anything. Go did this rescan (stop-the-world) until its hybrid barrier.
    if (this.barrier === 'dijkstra') {
      this.#shadeRoots();
      if (this.#head < this.#worklist.length) return;
    }
    this.#beginSweep();
  }

  #pop(): ObjectId {
    const id = this.#worklist[this.#head++]!;
    if (this.#head > 64 && this.#head * 2 > this.#worklist.length) {
      this.#worklist = this.#worklist.slice(this.#head);
      this.#head = 0;
    }
    return id;
  }

  /** Grey → black: shade every child, in slot order. */
  #scan(id: ObjectId): void {
    const obj = this.#objects.get(id)!;
    for (const child of obj.slots) {
      if (child !== null) this.#shade(child, false);
    }
    obj.color = 'black';
    this.#stats.scanned++;
  }

  #beginSweep(): void {
    this.#phase = 'sweep';
    this.#sweepList = this.ids();
    this.#sweepAt = 0;
    if (this.#sweepList.length === 0) this.#endCycle();
  }

  /** One object, in ascending id order: white is garbage; black survives and turns white. */
  #sweepUnit(): void {
    const id = this.#sweepList[this.#sweepAt++]!;
    const obj = this.#objects.get(id)!;
    if (obj.color === 'white') {
      this.#objects.delete(id);
      this.#roots.delete(id);
      this.#stats.freed++;
    } else {
      obj.color = 'white'; // survived: white again, ready for the next cycle
    }
    if (this.#sweepAt === this.#sweepList.length) this.#endCycle();
  }

  #endCycle(): void {
    this.#phase = 'idle';
    this.#sweepList = [];
    this.#sweepAt = 0;
    this.#stats.completed++;
  }
}
