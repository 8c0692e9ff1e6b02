/** The two errors of the harness: a bad case description, and a file that ended under a read. */

/** An option of a case, a plan or a statistic is missing, of the wrong kind or out of range. */
export class BenchConfigError extends Error {
  readonly code = 'BENCH_CONFIG';
  constructor(
    /** The option at fault: `blockBytes`, `fileBytes`, `ops`, `seed`, `pattern`, `mode`, `fsync`, `dir`, `p`, ... */
    readonly field: string,
    /** What is wrong with it, in words. */
    readonly reason: string,
  ) {
    super(`benchmark option ${field}: ${reason}`);
    this.name = 'BenchConfigError';
  }
}

/**
 * A read returned 0 (end of file) before its block was complete. The harness preallocates the
 * file, so this means something else truncated it while the case ran: the measurement is void.
 */
export class ShortFileError extends Error {
  readonly code = 'SHORT_FILE';
  constructor(
    readonly file: string,
    /** Where the block starts. */
    readonly offset: number,
    /** The block size asked for. */
    readonly expected: number,
    /** The bytes read before the end of file. */
    readonly got: number,
  ) {
    super(
      `${file} ended ${got} bytes into the ${expected}-byte block at offset ${offset}: ` +
        'the file was preallocated, so something truncated it during the run; the measurement is void',
    );
    this.name = 'ShortFileError';
  }
}
