/** Argument checks shared by the filters: a bad size is a RangeError that names the API. */

/** The most hash functions a filter accepts; more than this never lowers the false-positive rate. */
export const MAX_HASHES = 32;
/** Cell indexes are 32-bit (they come from 32-bit hashes). */
export const MAX_CELLS = 2 ** 32;

export function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
