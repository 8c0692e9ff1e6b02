/**
 * Receives an ArrayBuffer, doubles each byte in place and hands the same buffer back with a
 * Transfer, so it moves instead of being copied. It keeps a reference, so a later `kept` call can
 * tell whether the buffer really left this thread (detached: byteLength 0).
 */
import { Transfer } from '#kata/thread-pool';

let kept: ArrayBuffer | undefined;

export type BufferInput = { kind: 'double'; buf: ArrayBuffer } | { kind: 'kept' } | { kind: 'inspect'; buf: ArrayBuffer };

export default function buffer(input: BufferInput): unknown {
  switch (input.kind) {
    case 'double': {
      const bytes = new Uint8Array(input.buf);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i]! * 2) & 0xff;
      kept = input.buf;
      return new Transfer(input.buf, [input.buf]);
    }
    case 'kept':
      return kept?.byteLength;
    case 'inspect': // what arrived: its size and the sum of its bytes
      return { byteLength: input.buf.byteLength, sum: new Uint8Array(input.buf).reduce((a, b) => a + b, 0) };
  }
}
