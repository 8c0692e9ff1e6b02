/** The errors the heap throws. Option and budget mistakes are plain `RangeError`s. */

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
