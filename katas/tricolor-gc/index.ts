/**
 * Tricolor garbage collection kata: a simulated heap, an incremental mark-and-sweep collector with
 * a write barrier, and a frame-by-frame visualisation. Read README.md first;
 * `npm run grade tricolor-gc` runs the spec, `npm run hint tricolor-gc` shows a hint.
 */
import { todo } from '../not-implemented.ts';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Objects are named by numbers: 1, 2, 3, ... in allocation order, never reused. */
export type ObjectId = number;

/**
 * white: not seen yet in this cycle (garbage if still white when marking ends);
 * grey: seen, its slots not scanned yet (it is in the worklist);
 * black: seen and scanned.
 */
export type Color = 'white' | 'grey' | 'black';

/** idle → mark → sweep → idle. */
export type Phase = 'idle' | 'mark' | 'sweep';

/**
 * 'dijkstra': insertion barrier (shade the pointer being stored) plus a root rescan at the end of
 * marking. 'yuasa': deletion barrier (shade the pointer being overwritten), snapshot at the
 * beginning, no rescan. 'none': no barrier and no rescan (to watch objects get lost).
 */
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
  /** A copy of the object's slots. */
  slots: Array<ObjectId | null>;
}

/** A snapshot of the heap for the visualisation. Holds copies: later changes do not show. */
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

export interface TextOptions {
  /** Colour the W/G/B letters with ANSI escapes. Default false. */
  ansi?: boolean;
}

export interface HtmlOptions {
  /** The page's title and heading. Default 'tricolor-gc'. */
  title?: string;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** An id that names no live object: never allocated, already freed, or not an id at all. */
export class UnknownObjectError extends Error {
  readonly code = 'UNKNOWN_OBJECT';
  constructor(readonly id: unknown) {
    super(`no live object ${String(id)}: it was never allocated or has been freed`);
    this.name = 'UnknownObjectError';
  }
}

/** A slot index that is not a whole number in [0, slots). */
export class SlotRangeError extends RangeError {
  readonly code = 'SLOT_OUT_OF_RANGE';
  constructor(
    readonly id: number,
    readonly slot: unknown,
    readonly slots: number,
  ) {
    super(`object ${id} has slots 0..${slots - 1}; slot ${String(slot)} does not exist`);
    this.name = 'SlotRangeError';
  }
}

// ---------------------------------------------------------------------------------------------
// The heap and its collector
// ---------------------------------------------------------------------------------------------

/**
 * A simulated heap: objects with `slots` pointer slots each, a set of roots, and an incremental
 * tricolor mark-and-sweep collector driven by `step()`.
 *
 * The mutator may only use references it can reach: roots, objects reachable from them, and
 * objects it has just allocated. (Nothing stops a test from writing a freed-but-not-yet-swept
 * garbage id back into the graph, but no real program can, and the collector may assume it never
 * happens.)
 */
export class Heap {
  /** Pointer slots per object. */
  readonly slots: number;
  /** The barrier in use. */
  readonly barrier: Barrier;

  /**
   * Stage 1. An empty, idle heap. Throws RangeError (naming `slots` or `barrier`) unless slots is
   * a whole number in [0, 64] and barrier is 'dijkstra', 'yuasa' or 'none'.
   */
  constructor(options: HeapOptions = {}) {
    // TODO: validate, then keep: a Map from id to { color, slots }, a Set of roots, the next id,
    //       the phase, a FIFO worklist of grey ids, the sweep list and cursor, the stats.
    this.slots = options.slots ?? 2;
    this.barrier = options.barrier ?? 'dijkstra';
    todo('tricolor-gc', 'Heap constructor');
  }

  // --- the mutator's side (stage 1) ---------------------------------------------------------

  /**
   * Stage 1. A new object (ids 1, 2, 3, ...) with every slot null. It is not a root.
   * Stage 3: its colour is black while the phase is 'mark', white otherwise (idle or sweep).
   */
  alloc(): ObjectId {
    return todo('tricolor-gc', 'Heap.alloc');
  }

  /**
   * The pointer in `slot` of `id`, or null. Throws UnknownObjectError for an id that is not live,
   * SlotRangeError unless slot is a whole number in [0, slots). Reads never change colours.
   */
  read(id: ObjectId, slot: number): ObjectId | null {
    return todo('tricolor-gc', 'Heap.read');
  }

  /**
   * Stores `target` (a live object, or null) in `slot` of `id`. Throws UnknownObjectError if `id`
   * or `target` is not live, SlotRangeError for a bad slot; a failed write changes nothing.
   * Stage 4: while the phase is 'mark', and only then, the write goes through the barrier first
   * (Dijkstra shades `target`, Yuasa shades the pointer being overwritten).
   */
  write(id: ObjectId, slot: number, target: ObjectId | null): void {
    return todo('tricolor-gc', 'Heap.write');
  }

  /** Makes `id` a root; false if it already was one. UnknownObjectError if not live. No barrier. */
  addRoot(id: ObjectId): boolean {
    return todo('tricolor-gc', 'Heap.addRoot');
  }

  /** `id` stops being a root; false if it was not one. UnknownObjectError if not live. No barrier. */
  removeRoot(id: ObjectId): boolean {
    return todo('tricolor-gc', 'Heap.removeRoot');
  }

  /** Whether `id` is a root. UnknownObjectError if not live. */
  isRoot(id: ObjectId): boolean {
    return todo('tricolor-gc', 'Heap.isRoot');
  }

  /** The roots, ascending. */
  roots(): ObjectId[] {
    return todo('tricolor-gc', 'Heap.roots');
  }

  /** Whether `id` is a live object (allocated and not freed). Never throws. */
  has(id: ObjectId): boolean {
    return todo('tricolor-gc', 'Heap.has');
  }

  /** Every live object, ascending. */
  ids(): ObjectId[] {
    return todo('tricolor-gc', 'Heap.ids');
  }

  /** The number of live objects. */
  get size(): number {
    return todo('tricolor-gc', 'Heap.size');
  }

  // --- the collector's side (stages 2 to 4) -------------------------------------------------

  /** 'idle' until the first step; 'mark' or 'sweep' while a cycle is under way. */
  get phase(): Phase {
    return todo('tricolor-gc', 'Heap.phase');
  }

  /** The colour of a live object. UnknownObjectError if not live. */
  colorOf(id: ObjectId): Color {
    return todo('tricolor-gc', 'Heap.colorOf');
  }

  /** The grey objects in the order the marker will scan them (first in, first out). */
  worklist(): ObjectId[] {
    return todo('tricolor-gc', 'Heap.worklist');
  }

  /** A copy of the counters. All 0 on a new heap. */
  stats(): GcStats {
    return todo('tricolor-gc', 'Heap.stats');
  }

  /**
   * Stage 3. Does up to `budget` units of work (a whole number >= 1, or Infinity; anything else
   * is a RangeError) and returns how many it did. From 'idle' it first begins a cycle
   * (phase 'mark', stats.started + 1); it stops when the cycle ends, so one call never begins a
   * second cycle. One unit is exactly one of:
   *
   * 1. the first unit of a cycle: shade every root, in ascending id order;
   * 2. while the worklist is not empty: take the first grey object, shade each non-null slot in
   *    slot order, then make it black (stats.scanned + 1);
   * 3. when the worklist is empty: end marking. With 'dijkstra', shade the roots again first; if
   *    that made any object grey, marking continues (this unit is done). Otherwise the phase
   *    becomes 'sweep' over the objects live now (an empty list ends the cycle at once);
   * 4. sweep one object of that list, ascending: white → freed (stats.freed + 1, no longer a root),
   *    black → white. After the last one the cycle ends: phase 'idle', stats.completed + 1.
   *
   * "Shade" turns a white object grey and appends it to the worklist; grey or black objects are
   * left alone.
   */
  step(budget = 1): number {
    return todo('tricolor-gc', 'Heap.step');
  }

  /**
   * Stage 2. Stop-the-world collection: finishes the cycle in progress, if any, then runs one
   * whole cycle. Afterwards exactly the objects reachable from the roots are live, and all white.
   * Returns how many objects this call freed.
   */
  collectFull(): number {
    return todo('tricolor-gc', 'Heap.collectFull');
  }

  /** Stage 5. A snapshot (copies) of the heap's state, with a caption. */
  frame(label = ''): Frame {
    return todo('tricolor-gc', 'Heap.frame');
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 5: renderers
// ---------------------------------------------------------------------------------------------

/**
 * One frame as text:
 *
 *     cycle 1 mark worklist [2 4] : scan 1
 *     *1 B [2 .]
 *      2 G [. 4]
 *      4 G [. .]
 *
 * The header is `cycle <cycle> <phase> worklist [<ids, space-separated>]`, then ` : <label>` if
 * the label is not empty. Then one line per object in the frame's order: `*` for a root or a
 * space, the id right-aligned to the width of the largest id in the frame, a space, the colour
 * letter (W, G or B), a space, and the slots in brackets, space-separated, `.` for null (`[]`
 * without slots). Lines are joined by '\n', with no newline at the end.
 *
 * With `ansi: true` each colour letter is wrapped as `ESC[<code>m<letter>ESC[0m`, a different
 * code for each colour (your choice); nothing else changes.
 */
export function renderText(frame: Frame, options: TextOptions = {}): string {
  return todo('tricolor-gc', 'renderText');
}

/**
 * A self-contained HTML page (starting `<!doctype html>`) that shows a run frame by frame.
 *
 * - The title (default 'tricolor-gc') goes in `<title>`; the title and labels are HTML-escaped.
 * - One `<section class="frame" data-index="<i>" data-phase="<phase>" data-cycle="<cycle>">` per
 *   frame, in order, containing the label and an inline SVG of the heap.
 * - In it, every object is an element with class `obj`, its colour as a second class, `root` as
 *   a third for roots, and `data-id` and `data-color` attributes:
 *   `<g class="obj grey root" data-id="3" data-color="grey">…</g>`.
 * - Every non-null slot is an element with class `edge` and `data-from`, `data-slot`, `data-to`:
 *   `<path class="edge" data-from="3" data-slot="0" data-to="5" d="…"/>`.
 *
 * Layout, styling and any script (a slideshow is nice) are up to you.
 */
export function renderHtml(frames: readonly Frame[], options: HtmlOptions = {}): string {
  return todo('tricolor-gc', 'renderHtml');
}
