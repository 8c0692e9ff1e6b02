/** Argument checks shared by the bucket, the stores and the Redis limiter. */

/** A positive whole number of tokens: the most a bucket holds. */
export function checkCapacity(where: string, capacity: number): void {
  if (!Number.isSafeInteger(capacity) || capacity <= 0) {
    throw new RangeError(`${where}: capacity must be a positive integer, got ${capacity}`);
  }
}

/** Tokens per second; `allowZero` for a bucket that never refills (a fixed quota). */
export function checkRate(where: string, refillPerSecond: number, allowZero: boolean): void {
  const ok = Number.isFinite(refillPerSecond) && (allowZero ? refillPerSecond >= 0 : refillPerSecond > 0);
  if (!ok) {
    const want = allowZero ? 'a finite number >= 0' : 'a finite number > 0';
    throw new RangeError(`${where}: refillPerSecond must be ${want}, got ${refillPerSecond}`);
  }
}

/** How many tokens one call asks for: a whole number >= 0. */
export function checkTokens(where: string, tokens: number): void {
  if (!Number.isSafeInteger(tokens) || tokens < 0) {
    throw new RangeError(`${where}: tokens must be an integer >= 0, got ${tokens}`);
  }
}
