/** An event loop with Node's phases: timers, pending, poll, check, close; nextTicks and microtasks after every callback. */
export { EventLoop, type EventLoopOptions, type Immediate, type Phase, type Timer, type Watcher } from './loop.ts';
export { realClock, VirtualClock, type Clock } from './clock.ts';
