/**
 * Errors the simulated disk throws. File-system errors look like `node:fs`'s (`code`, `errno`,
 * `syscall`, `path`), so a store handles both alike; the crash errors have their own codes.
 */
import { constants } from 'node:os';

const MESSAGES: Record<string, string> = {
  EBADF: 'bad file descriptor',
  EEXIST: 'file already exists',
  EINVAL: 'invalid argument',
  EIO: 'i/o error',
  EISDIR: 'illegal operation on a directory',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  EROFS: 'read-only file system',
};

/** An error shaped like the ones `node:fs` throws: `EIO: i/o error, fsync '/db/wal'`. */
export function fsError(code: string, syscall: string, path?: string, dest?: string): NodeJS.ErrnoException {
  const where = path === undefined ? '' : dest === undefined ? ` '${path}'` : ` '${path}' -> '${dest}'`;
  const err: NodeJS.ErrnoException = new Error(`${code}: ${MESSAGES[code] ?? 'simulated error'}, ${syscall}${where}`);
  err.code = code;
  const errno = (constants.errno as Record<string, number>)[code];
  if (errno !== undefined) err.errno = -errno;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  if (dest !== undefined) (err as { dest?: string }).dest = dest;
  return err;
}

/**
 * The simulated machine lost power at an armed point (`armCrash`), or was already down. Every call
 * fails with this until the test calls `sim.crash(policy)`, which reboots from the durable image.
 */
export class SimulatedCrash extends Error {
  readonly code: string = 'SIMULATED_CRASH';
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedCrash';
  }
}

/**
 * A call through a descriptor or `sim.fs` view from before the last crash. The store that made it
 * died in that crash; its leftover promises must not touch the recovered disk.
 */
export class StaleEpochError extends SimulatedCrash {
  override readonly code = 'STALE_EPOCH';
  constructor(message: string) {
    super(message);
    this.name = 'StaleEpochError';
  }
}

/** A harness call that cannot be honoured as asked (bad policy, range outside the file...). */
export class SimFsUsageError extends Error {
  readonly code = 'SIMFS_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'SimFsUsageError';
  }
}
