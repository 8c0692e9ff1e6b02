/** The errors an LSM tree throws. Each has a stable `code` and a message that says what to do. */

/**
 * Bytes on disk are not what was written: a block, footer or manifest checksum failed, a record is
 * cut short, or a file the manifest names is missing. `file` is the file's path and `offset` the
 * byte offset of the damaged block, footer or record in it.
 */
export class LsmCorruptionError extends Error {
  readonly code = 'LSM_CORRUPT';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`lsm: ${file} is damaged at offset ${offset}: ${detail}. The data on disk is not what was written; restore the file from a backup.`);
    this.name = 'LsmCorruptionError';
  }
}

/** The store was closed, or stopped taking writes after a write or fsync failed. */
export class LsmClosedError extends Error {
  readonly code = 'LSM_CLOSED';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`lsm: ${reason}`, options);
    this.name = 'LsmClosedError';
  }
}
