// `node --import <this file> child.ts` (or a Worker's execArgv) gives a spawned process or thread
// TypeScript and the same view of `#kata/...` as the spec that started it. Plain JavaScript, so it
// loads before any TypeScript support exists; spec/support/child.ts builds the flags.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./node-hooks.ts', import.meta.url);
