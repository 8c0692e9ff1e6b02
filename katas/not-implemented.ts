/**
 * What every unfinished function in a stub throws. Specs never expect this error, so a test can
 * only pass once the function does its real job.
 */
export class NotImplementedError extends Error {
  readonly code = 'NOT_IMPLEMENTED';
  constructor(
    readonly kata: string,
    readonly what: string,
  ) {
    super(`${kata}: ${what} is not implemented yet. Read katas/${kata}/README.md, write it, then run \`npm run grade ${kata}\`.`);
    this.name = 'NotImplementedError';
  }
}

/** `return todo('checksum', 'crc32')` in a stub body. */
export function todo(kata: string, what: string): never {
  throw new NotImplementedError(kata, what);
}
