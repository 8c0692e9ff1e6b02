/**
 * The random programs of stage 4 and the one interpreter that runs them, shared by the spec (on the
 * learner's EventLoop) and by the oracle runner (on Node's own globals), so both sides run exactly
 * the same code and differ only in the scheduling API they are handed. Plain JavaScript: the
 * runner starts with bare `node`, no TypeScript loader.
 *
 * A program is a list of nodes scheduled from one root callback, itself run by setImmediate (so it
 * starts in a check phase, never racing timers against the main module). Each node, when its
 * callback runs, logs its id and schedules its children in order:
 *
 *   { kind: 'timeout',   id, delay, kids }        setTimeout, `delay` in time units
 *   { kind: 'interval',  id, delay, times, kids } setInterval every `delay` units; it clears
 *                                                 itself in its `times`-th callback; logs id#n
 *   { kind: 'immediate', id, kids }               setImmediate
 *   { kind: 'tick',      id, kids }               process.nextTick
 *   { kind: 'micro',     id, kids }               queueMicrotask
 *   { kind: 'then',      id, kids }               Promise.resolve().then
 *   { kind: 'clear',     id, target }             clearTimeout / clearInterval / clearImmediate of
 *                                                 the latest handle of node `target`, if any
 */

/**
 * Runs `program` with `api`. Timers get both their delay and the instant (in units, from the
 * program's start) at which they are meant to fire; `log(label, instant)` records each callback.
 * `api.done()` is called once nothing of the program is pending any more.
 */
export function interpret(program, api) {
  let pending = 0;
  /** id -> the latest handle scheduled for that node. */
  const handles = new Map();
  const finish = () => {
    pending--;
    if (pending === 0) api.done();
  };

  const run = (node, label, instant) => {
    api.log(label, instant);
    for (const kid of node.kids) schedule(kid, instant);
  };

  const schedule = (node, instant) => {
    switch (node.kind) {
      case 'timeout': {
        pending++;
        const at = instant + node.delay;
        const rec = { kind: node.kind, live: true, handle: undefined };
        rec.handle = api.timeout(
          () => {
            rec.live = false;
            run(node, node.id, at);
            finish();
          },
          node.delay,
          at,
        );
        handles.set(node.id, rec);
        return;
      }
      case 'interval': {
        pending++;
        let n = 0;
        const rec = { kind: node.kind, live: true, handle: undefined };
        rec.handle = api.interval(() => {
          n++;
          const last = n === node.times;
          if (last) {
            rec.live = false;
            api.clearInterval(rec.handle);
          }
          run(node, `${node.id}#${n}`, instant + n * node.delay);
          if (last) finish();
        }, node.delay);
        handles.set(node.id, rec);
        return;
      }
      case 'immediate': {
        pending++;
        const rec = { kind: node.kind, live: true, handle: undefined };
        rec.handle = api.immediate(() => {
          rec.live = false;
          run(node, node.id, instant);
          finish();
        });
        handles.set(node.id, rec);
        return;
      }
      case 'tick':
      case 'micro':
      case 'then':
        pending++;
        api[node.kind](() => {
          run(node, node.id, instant);
          finish();
        });
        return;
      case 'clear': {
        const rec = handles.get(node.target);
        if (!rec || !rec.live) return;
        rec.live = false;
        if (rec.kind === 'timeout') api.clearTimeout(rec.handle);
        else if (rec.kind === 'interval') api.clearInterval(rec.handle);
        else api.clearImmediate(rec.handle);
        finish();
        return;
      }
      default:
        throw new Error(`unknown node kind ${node.kind}`);
    }
  };

  pending++;
  for (const node of program) schedule(node, 0);
  finish();
}

const CALLS = {
  timeout: 'setTimeout',
  interval: 'setInterval',
  immediate: 'setImmediate',
  tick: 'process.nextTick',
  micro: 'queueMicrotask',
  then: 'Promise.resolve().then',
};

/** The program as indented text, one node per line; `unitMs` turns delays into milliseconds. */
export function describeProgram(program, unitMs) {
  const lines = [];
  const walk = (nodes, depth) => {
    for (const n of nodes) {
      const pad = '  '.repeat(depth + 1);
      if (n.kind === 'clear') lines.push(`${pad}${n.id}: clear ${n.target}`);
      else if (n.kind === 'timeout') lines.push(`${pad}${n.id}: setTimeout ${n.delay * unitMs} ms`);
      else if (n.kind === 'interval') lines.push(`${pad}${n.id}: setInterval ${n.delay * unitMs} ms, clears itself in call #${n.times}`);
      else lines.push(`${pad}${n.id}: ${CALLS[n.kind]}`);
      if (n.kids) walk(n.kids, depth + 1);
    }
  };
  lines.push('setImmediate(root); root schedules:');
  walk(program, 0);
  return lines.join('\n');
}
