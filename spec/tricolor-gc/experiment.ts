/**
 * `npm run experiment tricolor-gc`: watch one incremental collection, frame by frame, under each
 * barrier, while the mutator moves a subtree behind the marker's back.
 *
 * The heap: root 1 → 2, 3; 2 → 4, 5; 3 → 6, 7; 8 → 1 is garbage. Three steps in (roots, scan 1,
 * scan 2), 1 and 2 are black, 3, 4, 5 grey, 6 and 7 white. The mutator then moves 6 from 3 into
 * 2's second slot (dropping 5) and clears 3's first slot: 6 is now reachable only through a
 * black object.
 *
 * - dijkstra shades 6 when it is stored into 2: nothing is lost.
 * - yuasa shades 6 when 3's pointer to it is cleared (5, overwritten in 2, is grey already):
 *   nothing is lost.
 * - none shades nothing: 6 stays white and is swept while 2 still points to it.
 *
 * In every run 5 is garbage after the move but was shaded before it: floating garbage, kept by
 * this cycle and freed by the next.
 *
 * Writes reports/tricolor-gc-<barrier>.html (open in a browser; arrow keys step through the
 * frames) and prints the Dijkstra run as text frames.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Heap, renderHtml, renderText, type Barrier, type Frame } from '#kata/tricolor-gc';
import { reportsDir } from '#support/chart';

interface Run {
  barrier: Barrier;
  frames: Frame[];
  lost: number[];
  shaded: number;
  freed: number;
}

function run(barrier: Barrier): Run {
  const heap = new Heap({ slots: 2, barrier });
  const ids = Array.from({ length: 8 }, () => heap.alloc());
  const link = (from: number, slot: number, to: number | null) => heap.write(from, slot, to);
  link(1, 0, 2);
  link(1, 1, 3);
  link(2, 0, 4);
  link(2, 1, 5);
  link(3, 0, 6);
  link(3, 1, 7);
  link(8, 0, 1);
  heap.addRoot(1);
  const frames: Frame[] = [heap.frame(`${ids.length} objects, root 1; 8 is garbage`)];
  const step = (label: string) => {
    heap.step(1);
    frames.push(heap.frame(label));
  };
  step('step: shade the roots');
  step('step: scan 1');
  step('step: scan 2');
  heap.write(2, 1, 6);
  frames.push(heap.frame('write(2, 1, 6)'));
  heap.write(3, 0, null);
  frames.push(heap.frame('write(3, 0, null)'));
  while (heap.phase !== 'idle') step(heap.phase === 'mark' ? `step: ${heap.worklist().length ? `scan ${heap.worklist()[0]}` : 'end of marking'}` : 'step: sweep');

  // Reachable but freed: follow the pointers from the roots, note ids that are no longer live.
  const lost: number[] = [];
  const seen = new Set<number>();
  const todo = heap.roots();
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!heap.has(id)) {
      lost.push(id);
      continue;
    }
    for (let s = 0; s < heap.slots; s++) {
      const t = heap.read(id, s);
      if (t !== null) todo.push(t);
    }
  }
  frames[frames.length - 1]!.label += lost.length ? `, LOST ${lost.join(', ')}` : ', nothing lost';
  return { barrier, frames, lost: lost.sort((a, b) => a - b), shaded: heap.stats().shaded, freed: heap.stats().freed };
}

/** Text frames side by side, `perRow` to a row. */
function sideBySide(texts: string[], perRow: number): string {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const rows: string[] = [];
  for (let i = 0; i < texts.length; i += perRow) {
    const group = texts.slice(i, i + perRow).map((t) => t.split('\n'));
    const width = Math.max(...group.flat().map(visible)) + 3;
    const height = Math.max(...group.map((g) => g.length));
    for (let r = 0; r < height; r++) {
      rows.push(group.map((g) => (g[r] ?? '') + ' '.repeat(Math.max(0, width - visible(g[r] ?? '')))).join('').trimEnd());
    }
    rows.push('');
  }
  return rows.join('\n');
}

const runs = (['dijkstra', 'yuasa', 'none'] as const).map(run);
const dir = reportsDir();
mkdirSync(dir, { recursive: true });
const files = runs.map((r) => {
  const file = path.join(dir, `tricolor-gc-${r.barrier}.html`);
  writeFileSync(file, renderHtml(r.frames, { title: `Incremental tricolor collection, barrier: ${r.barrier}` }));
  return file;
});

const ansi = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const dijkstra = runs[0]!;
console.log('Root 1 → 2, 3; 2 → 4, 5; 3 → 6, 7; 8 → 1 is garbage. After three steps the mutator moves 6');
console.log('from 3 into 2 (write(2, 1, 6), dropping 5), then clears 3 → 6 (write(3, 0, null)).\n');
console.log('The Dijkstra run, frame by frame (* = root, W/G/B = white/grey/black, . = null slot):\n');
console.log(sideBySide(dijkstra.frames.map((f, i) => `${i}. ${f.label}\n${renderText({ ...f, label: '' }, { ansi })}`), 4));
console.log('The unprotected run, after the mutator moved 6 and at the end:\n');
const none = runs[2]!;
console.log(sideBySide([none.frames[5]!, none.frames[none.frames.length - 1]!].map((f) => renderText(f, { ansi })), 2));

console.log('barrier    frames  barrier shades  freed  lost (reachable but freed)');
for (const r of runs) {
  console.log(`${r.barrier.padEnd(9)}  ${String(r.frames.length).padStart(6)}  ${String(r.shaded).padStart(14)}  ${String(r.freed).padStart(5)}  ${r.lost.length ? r.lost.join(', ') : 'none'}`);
}
console.log(`\nHTML, one page per barrier (arrow keys step through the frames):\n${files.map((f) => `  ${f}`).join('\n')}`);
