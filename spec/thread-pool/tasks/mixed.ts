/**
 * One module for the tests that need several behaviours in one pool (a pool runs one module):
 * `{ op, ...input }` picks the task.
 */
import { threadId } from 'node:worker_threads';
import buffer, { type BufferInput } from './buffer.ts';
import crashInTimer from './crash-in-timer.ts';
import exit from './exit.ts';
import sleep, { type SleepInput } from './sleep.ts';
import spin from './spin.ts';
import square from './square.ts';
import throws, { type ThrowInput } from './throws.ts';

export type Op =
  | { op: 'square'; x: number }
  | ({ op: 'sleep' } & SleepInput)
  | { op: 'whoami' }
  | ({ op: 'throw' } & ThrowInput)
  | { op: 'exit'; code: number }
  | { op: 'crash-in-timer'; message: string }
  | { op: 'spin' }
  | ({ op: 'buffer' } & BufferInput);

export default function mixed(input: Op): unknown {
  switch (input.op) {
    case 'square':
      return square(input.x);
    case 'sleep':
      return sleep(input);
    case 'whoami':
      return threadId;
    case 'throw':
      return throws(input);
    case 'exit':
      return exit(input);
    case 'crash-in-timer':
      return crashInTimer(input);
    case 'spin':
      return spin();
    case 'buffer':
      return buffer(input);
  }
}
