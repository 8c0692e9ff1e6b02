/** The errors a Bitcask throws. Each has a stable `code` and a message that says what to do. */

function showKey(key: Uint8Array): string {
  const text = Buffer.from(key).toString('utf8');
  const printable = /^[\x20-\x7e]*$/.test(text) && text.length <= 64;
  return printable ? JSON.stringify(text) : `0x${Buffer.from(key.subarray(0, 32)).toString('hex')}${key.length > 32 ? '…' : ''}`;
}

/**
 * Bytes on disk are not what was written: a checksum failed, an entry is cut short or holds another
 * key. `file` is the data or hint file's path, `offset` the entry's byte offset in it, `key` the key
 * when it is known (a get of that key; a damaged entry the scan could attribute).
 */
export class BitcaskCorruptionError extends Error {
  readonly code = 'BITCASK_CORRUPT';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly key: Uint8Array | undefined,
    readonly detail: string,
  ) {
    super(
      `bitcask: damaged entry in ${file} at offset ${offset}${key ? ` (key ${showKey(key)})` : ''}: ${detail}. ` +
        'The data on disk is not what was written; put or delete the key to replace it, or restore the file from a backup.',
    );
    this.name = 'BitcaskCorruptionError';
  }
}

/** Another open store holds the directory: another live process (`pid`), or this one. */
export class BitcaskLockedError extends Error {
  readonly code = 'BITCASK_LOCKED';
  constructor(
    readonly dir: string,
    /** The owner's pid from the LOCK file (undefined when another opener won a race for it). */
    readonly pid: number | undefined,
  ) {
    super(
      `bitcask: ${dir} is open in ${pid === process.pid ? 'this process already' : pid === undefined ? 'another process' : `process ${pid}`}. ` +
        'Close that store first; a LOCK file left by a process that is gone is taken over automatically.',
    );
    this.name = 'BitcaskLockedError';
  }
}

/** The store was closed, or stopped taking writes after a write or fsync failed. */
export class BitcaskClosedError extends Error {
  readonly code = 'BITCASK_CLOSED';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`bitcask: ${reason}`, options);
    this.name = 'BitcaskClosedError';
  }
}
