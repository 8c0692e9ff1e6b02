/** `countStatic` / `countDynamic` after `close()`, or a run cut off by `close()`. */
export class CounterClosedError extends Error {
  readonly code = 'COUNTER_CLOSED';
  constructor() {
    super('the PrimeCounter is closed: its threads are gone. Create a new PrimeCounter, or count before calling close()');
    this.name = 'CounterClosedError';
  }
}
