/**
 * A worker thread for the stage 4 spec. It loads the code under test through `#kata/queue` (the
 * spec starts it with workerExecArgv(), so this resolves to the same stub, solution or mutant),
 * says hello, then runs the jobs it is sent, one at a time: each attaches to the queue in the
 * SharedArrayBuffer it is given and plays one role. See crew.ts for the other side.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { SharedQueue } from '#kata/queue';
import { STOP, type Job, type Message, type Report } from './jobs.ts';

function run(job: Job, ready: () => void): Report {
  const queue = SharedQueue.attach(job.buffer);
  switch (job.role) {
    case 'producer': {
      let pushed = 0;
      for (let v = job.from; v < job.to; v++) {
        if (!queue.push(v, job.timeoutMs)) return { role: 'producer', pushed, timedOutAt: v };
        pushed++;
      }
      return { role: 'producer', pushed };
    }
    case 'consumer': {
      const seen = new Int32Array(job.seen);
      const last = new Array<number>(job.producers).fill(-1);
      const total = job.perProducer * job.producers;
      let popped = 0;
      let outOfOrder = 0;
      let outOfRange = 0;
      let firstBad: number | undefined;
      for (;;) {
        const v = queue.pop(job.timeoutMs);
        if (v === undefined) return { role: 'consumer', popped, outOfOrder, outOfRange, stalled: true, ...(firstBad === undefined ? {} : { firstBad }) };
        if (v === STOP) return { role: 'consumer', popped, outOfOrder, outOfRange, stalled: false, ...(firstBad === undefined ? {} : { firstBad }) };
        popped++;
        if (!Number.isInteger(v) || v < 0 || v >= total) {
          outOfRange++;
          firstBad ??= v;
          continue;
        }
        Atomics.add(seen, v, 1);
        // A producer pushes in increasing order and a FIFO hands one consumer its values in the
        // order they were queued: a value not above the previous one from the same producer
        // means the queue reordered them.
        const p = Math.floor(v / job.perProducer);
        if (v <= last[p]!) {
          outOfOrder++;
          firstBad ??= v;
        }
        last[p] = v;
      }
    }
    case 'spin-consumer': {
      const seen = new Int32Array(job.seen);
      const deadline = performance.now() + job.deadlineMs;
      let popped = 0;
      let outOfRange = 0;
      let firstBad: number | undefined;
      const report = (timedOut: boolean): Report => ({ role: 'spin-consumer', popped, outOfRange, timedOut, ...(firstBad === undefined ? {} : { firstBad }) });
      for (let spins = 0; Atomics.load(seen, 0) < job.total; spins++) {
        const v = queue.tryPop();
        if (v === undefined) {
          // Reading the clock on every empty spin would slow the pounce down.
          if ((spins & 1023) === 0 && performance.now() > deadline) return report(true);
          continue;
        }
        popped++;
        Atomics.add(seen, 0, 1);
        if (Number.isInteger(v) && v >= 1 && v <= job.total) Atomics.add(seen, v, 1);
        else {
          outOfRange++;
          firstBad ??= v;
        }
      }
      return report(false);
    }
    case 'pop-once': {
      ready();
      const t0 = performance.now();
      const value = queue.pop(job.timeoutMs);
      return { role: 'pop-once', value, elapsedMs: performance.now() - t0 };
    }
    case 'push-once': {
      ready();
      const t0 = performance.now();
      const pushed = queue.push(job.value, job.timeoutMs);
      return { role: 'push-once', pushed, elapsedMs: performance.now() - t0 };
    }
  }
}

const port = parentPort!;
const send = (m: Message) => port.postMessage(m);
port.on('message', ({ id, job }: { id: number; job: Job }) => {
  try {
    send({ type: 'done', id, report: run(job, () => send({ type: 'ready', id })) });
  } catch (err) {
    send({ type: 'error', id, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
});
send({ type: 'hello' });
