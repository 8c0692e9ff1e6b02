/** Tasks that fail the ordinary way: by throwing (or rejecting). The worker survives them. */
export class ValidationError extends Error {
  readonly code = 'E_VALIDATION';
  readonly field: string;
  constructor(field: string) {
    super(`${field} is not valid`);
    this.name = 'ValidationError';
    this.field = field;
  }
}

export type ThrowInput =
  | { kind: 'custom'; field: string } // a custom Error class with a name and own fields
  | { kind: 'type-error'; message: string }
  | { kind: 'reject'; message: string } // an async rejection rather than a synchronous throw
  | { kind: 'value'; value: unknown } // `throw 'boom'`: not an Error at all
  | { kind: 'uncloneable-field' } // an Error with a function-valued field
  | { kind: 'return-function' }; // succeeds with a result postMessage cannot clone

export default async function throws(input: ThrowInput): Promise<unknown> {
  switch (input.kind) {
    case 'custom':
      throw new ValidationError(input.field);
    case 'type-error':
      throw new TypeError(input.message);
    case 'reject':
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new RangeError(input.message);
    case 'value':
      throw input.value;
    case 'uncloneable-field':
      throw Object.assign(new Error('has a callback'), { code: 'E_CALLBACK', retry: () => 'again' });
    case 'return-function':
      return () => 'a function cannot cross a thread boundary';
  }
}
