/** A loop on a virtual clock and a log of which callback ran, when, and in which phase. */
import { EventLoop, VirtualClock, type Phase } from '#kata/event-loop';

export interface Harness {
  clock: GuardedClock;
  loop: EventLoop;
  /** Entries `label@time`, in the order the callbacks ran. */
  log: string[];
  /** A callback that logs `label@time`. */
  mark: (label: string) => () => void;
  /** The phase each label ran in. */
  phases: Map<string, Phase>;
}

/**
 * A VirtualClock that gives up after too many sleeps: a loop that spins (an interval that was
 * cleared but keeps firing, a loop that never sees it is done) fails with a message instead of
 * hanging the spec.
 */
export class GuardedClock extends VirtualClock {
  #naps = 0;
  override sleep(ms: number): void {
    if (++this.#naps > 100_000) {
      throw new Error('the loop slept 100000 times on the virtual clock: it keeps running after its work is done (a cleared timer still firing, or a wrong "alive" check?)');
    }
    super.sleep(ms);
  }
}

export function virtualLoop(start = 0): Harness {
  const clock = new GuardedClock(start);
  const loop = new EventLoop({ clock });
  const log: string[] = [];
  const phases = new Map<string, Phase>();
  const mark = (label: string) => () => {
    log.push(`${label}@${clock.now()}`);
    phases.set(label, loop.phase);
  };
  return { clock, loop, log, mark, phases };
}

/** Labels only, without the times. */
export function labels(log: string[]): string[] {
  return log.map((e) => e.slice(0, e.lastIndexOf('@')));
}
