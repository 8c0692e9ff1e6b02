/**
 * Stage 5: the visualisation. `frame()` snapshots the heap; `renderText` draws a frame for the
 * terminal and `renderHtml` a page that steps through a run. A small fixed run is recorded and
 * its frames asserted: the exact text, and every object's colour in every frame of the page.
 */
import { describe, expect, it } from 'vitest';
import { Heap, renderHtml, renderText, type Frame } from '#kata/tricolor-gc';
import { build } from './helpers.ts';

/** Root 1 → 2 → 3, and 4 → 4 (garbage). The mutator moves 3 behind 1 while 1 is black. */
function record(): Frame[] {
  const heap = new Heap({ barrier: 'dijkstra' });
  build(heap, [[1, null], [2, null], [null, null], [3, null]], [0]);
  const frames = [heap.frame('start')];
  const step = (label: string) => {
    heap.step();
    frames.push(heap.frame(label));
  };
  step('roots');
  step('scan 1');
  heap.write(1, 1, 3);
  frames.push(heap.frame('write(1, 1, 3)'));
  heap.write(2, 0, null);
  frames.push(heap.frame('write(2, 0, null)'));
  for (const label of ['scan 2', 'scan 3', 'end of marking', 'sweep 1', 'sweep 2', 'sweep 3', 'sweep 4']) step(label);
  return frames;
}

const COLOURS = [
  '1W 2W 3W 4W',
  '1G 2W 3W 4W',
  '1B 2G 3W 4W',
  '1B 2G 3G 4W',
  '1B 2G 3G 4W',
  '1B 2B 3G 4W',
  '1B 2B 3B 4W',
  '1B 2B 3B 4W',
  '1W 2B 3B 4W',
  '1W 2W 3B 4W',
  '1W 2W 3W 4W',
  '1W 2W 3W',
];

/** Attributes of every tag named `tag` (or any tag) in `html`. */
function tags(html: string, tag = '[a-zA-Z][\\w-]*'): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const m of html.matchAll(new RegExp(`<(${tag})\\b([^>]*)>`, 'g'))) {
    const attrs: Record<string, string> = { tag: m[1]! };
    for (const a of m[2]!.matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    out.push(attrs);
  }
  return out;
}

const hasClass = (attrs: Record<string, string>, c: string) => (attrs.class ?? '').split(/\s+/).includes(c);

describe('stage 5: frame-by-frame visualisation', () => {
  it('frame() snapshots label, phase, cycle, worklist and every live object', () => {
    const frames = record();
    expect(frames).toHaveLength(12);
    expect(frames[3]).toEqual({
      label: 'write(1, 1, 3)',
      phase: 'mark',
      cycle: 1,
      worklist: [2, 3],
      objects: [
        { id: 1, color: 'black', root: true, slots: [2, 3] },
        { id: 2, color: 'grey', root: false, slots: [3, null] },
        { id: 3, color: 'grey', root: false, slots: [null, null] },
        { id: 4, color: 'white', root: false, slots: [4, null] },
      ],
    });
    expect(frames.map((f) => `${f.phase}/${f.cycle}`)).toEqual([
      'idle/0', 'mark/1', 'mark/1', 'mark/1', 'mark/1', 'mark/1', 'mark/1', 'sweep/1', 'sweep/1', 'sweep/1', 'sweep/1', 'idle/1',
    ]);
    expect(frames.map((f) => f.objects.map((o) => `${o.id}${o.color[0]!.toUpperCase()}`).join(' '))).toEqual(COLOURS);
    expect(new Heap().frame()).toEqual({ label: '', phase: 'idle', cycle: 0, worklist: [], objects: [] });
  });

  it('a frame is a copy: changing it, or the heap afterwards, leaves the other untouched', () => {
    const heap = new Heap();
    const [a, b] = build(heap, [[1, null], [null, null]], [0]) as [number, number];
    const frame = heap.frame('before');
    frame.objects[0]!.slots[0] = null;
    frame.worklist.push(99);
    expect(heap.read(a, 0)).toBe(b);
    expect(heap.worklist()).toEqual([]);
    heap.step();
    heap.write(a, 1, a);
    expect(heap.frame().objects[0]).toEqual({ id: a, color: 'grey', root: true, slots: [b, a] });
    expect(frame.objects[0]).toEqual({ id: a, color: 'white', root: true, slots: [null, null] });
  });

  it('renderText draws the header and one line per object, exactly', () => {
    const frames = record();
    expect(renderText(frames[0]!)).toBe(['cycle 0 idle worklist [] : start', '*1 W [2 .]', ' 2 W [3 .]', ' 3 W [. .]', ' 4 W [4 .]'].join('\n'));
    expect(renderText(frames[3]!)).toBe(['cycle 1 mark worklist [2 3] : write(1, 1, 3)', '*1 B [2 3]', ' 2 G [3 .]', ' 3 G [. .]', ' 4 W [4 .]'].join('\n'));
    expect(renderText(frames[7]!)).toBe(['cycle 1 sweep worklist [] : end of marking', '*1 B [2 3]', ' 2 B [. .]', ' 3 B [. .]', ' 4 W [4 .]'].join('\n'));
    expect(renderText(frames[11]!)).toBe(['cycle 1 idle worklist [] : sweep 4', '*1 W [2 3]', ' 2 W [. .]', ' 3 W [. .]'].join('\n'));
  });

  it('renderText: the colour letters of every frame of the run', () => {
    const letters = record().map((f) =>
      renderText(f)
        .split('\n')
        .slice(1)
        .map((line) => `${line.slice(1).trim().split(' ')[0]}${line.trim().replace(/^\*/, '').split(' ')[1]}`)
        .join(' '),
    );
    expect(letters).toEqual(COLOURS);
  });

  it('renderText pads ids to the widest one, omits an empty label and prints [] for objects without slots', () => {
    const heap = new Heap({ slots: 0 });
    for (let i = 0; i < 11; i++) heap.alloc();
    heap.addRoot(10);
    heap.step();
    const lines = renderText(heap.frame()).split('\n');
    expect(lines[0]).toBe('cycle 1 mark worklist [10]');
    expect(lines.slice(1, 3)).toEqual(['  1 W []', '  2 W []']);
    expect(lines.slice(-2)).toEqual(['*10 G []', ' 11 W []']);
    expect(lines).toHaveLength(12);
  });

  it('renderText with ansi colours the letters, one escape code per colour, and nothing else', () => {
    const frames = record();
    const plain = renderText(frames[3]!);
    const ansi = renderText(frames[3]!, { ansi: true });
    expect(ansi).not.toBe(plain);
    expect(ansi.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
    const codeOf = (letter: string) => {
      const m = ansi.match(new RegExp(`(\\x1b\\[[0-9;]*m)${letter}\\x1b\\[0?m`));
      expect(m, `an escape before ${letter}`).not.toBeNull();
      return m![1];
    };
    expect(new Set([codeOf('W'), codeOf('G'), codeOf('B')]).size).toBe(3);
    expect(renderText(frames[3]!, { ansi: false })).toBe(plain);
  });

  it('renderHtml: a page with one section per frame and every object in its colour, in every frame', () => {
    const frames = record();
    const html = renderHtml(frames, { title: 'Dijkstra <barrier> & friends' });
    expect(html.trimStart().toLowerCase().startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>Dijkstra &lt;barrier&gt; &amp; friends</title>');
    expect(html).not.toContain('<barrier>');
    const sections = html.split(/<section\b/).slice(1).map((s) => `<section${s.slice(0, s.indexOf('</section>'))}`);
    expect(sections).toHaveLength(frames.length);
    sections.forEach((section, i) => {
      const head = tags(section, 'section')[0]!;
      expect(hasClass(head, 'frame')).toBe(true);
      expect([head['data-index'], head['data-phase'], head['data-cycle']]).toEqual([String(i), frames[i]!.phase, String(frames[i]!.cycle)]);
      const objs = tags(section).filter((t) => hasClass(t, 'obj'));
      const seen = objs.map((t) => {
        expect(hasClass(t, t['data-color']!), `frame ${i} object ${t['data-id']} has its colour as a class`).toBe(true);
        expect(hasClass(t, 'root'), `frame ${i} object ${t['data-id']} root class`).toBe(t['data-id'] === '1');
        return `${t['data-id']}${t['data-color']![0]!.toUpperCase()}`;
      });
      expect(seen.join(' '), `frame ${i}`).toBe(COLOURS[i]);
      const edges = tags(section)
        .filter((t) => hasClass(t, 'edge'))
        .map((t) => `${t['data-from']}.${t['data-slot']}>${t['data-to']}`)
        .sort();
      const expected = frames[i]!.objects.flatMap((o) => o.slots.flatMap((t, s) => (t === null ? [] : [`${o.id}.${s}>${t}`]))).sort();
      expect(edges, `frame ${i} edges`).toEqual(expected);
      expect(section).toContain(frames[i]!.label.replace(/&/g, '&amp;'));
    });
  });

  it('renderHtml escapes labels and still renders an empty run', () => {
    const heap = new Heap();
    heap.addRoot(heap.alloc());
    const html = renderHtml([heap.frame('<script>alert("x")</script> & more')]);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert');
    expect(tags(html).filter((t) => hasClass(t, 'obj')).map((t) => t['data-color'])).toEqual(['white']);
    const empty = renderHtml([]);
    expect(empty.trimStart().toLowerCase().startsWith('<!doctype html>')).toBe(true);
    expect(empty).not.toMatch(/<section\b/);
  });
});
