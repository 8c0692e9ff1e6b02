/** The errors of the durable log (re-exported by index.ts). */

/** Damage inside data that was already durable: bit rot, a misdirected write, a record that does not belong. */
export class LogCorruptionError extends Error {
  readonly code = 'LOG_CORRUPT';
  constructor(
    /** Path of the segment's .log file. */
    readonly segment: string,
    /** Byte position in that file where the bad frame starts. */
    readonly position: number,
    /** The offset of the record that belongs at that position. */
    readonly offset: bigint,
    /** What is wrong, in words. */
    readonly reason: string,
  ) {
    super(
      `log corrupt at ${segment} position ${position} (offset ${offset}): ${reason}. ` +
        'This is inside data that was already durable, so it is not a torn write: the log will not guess. ' +
        'Restore the segment from a replica.',
    );
    this.name = 'LogCorruptionError';
  }
}

/** The log was closed; open it again to use it. */
export class LogClosedError extends Error {
  readonly code = 'LOG_CLOSED';
  constructor() {
    super('durable log is closed: open it again with openLog() to append or read');
    this.name = 'LogClosedError';
  }
}

/** A read asked for an offset the log does not hold: deleted by retention, or not written yet. */
export class OffsetOutOfRangeError extends Error {
  readonly code = 'OFFSET_OUT_OF_RANGE';
  constructor(
    readonly offset: bigint,
    /** The oldest offset still kept. */
    readonly startOffset: bigint,
    /** The offset the next append will get. */
    readonly nextOffset: bigint,
  ) {
    super(`offset ${offset} is out of range: the log holds offsets ${startOffset} to ${nextOffset - 1n} (next append: ${nextOffset})`);
    this.name = 'OffsetOutOfRangeError';
  }
}
