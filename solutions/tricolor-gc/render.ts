/**
 * Frame renderers: a text frame for the terminal (optionally ANSI-coloured) and a self-contained
 * HTML page that steps through a run frame by frame.
 */
import type { Color, Frame, ObjectId } from './heap.ts';

export interface TextOptions {
  /** Colour the W/G/B letters with ANSI escapes. Default false. */
  ansi?: boolean;
}

export interface HtmlOptions {
  /** The page's title and heading. Default 'tricolor-gc'. */
  title?: string;
}

const LETTER: Record<Color, string> = { white: 'W', grey: 'G', black: 'B' };
const ANSI: Record<Color, string> = { white: '1;97', grey: '90', black: '30;107' };

/**
 * One frame as text:
 *
 *     cycle 1 mark worklist [2 4] : scanned 1
 *     *1 B [2 .]
 *      2 G [. 4]
 *      4 G [. .]
 *
 * The header is `cycle <cycle> <phase> worklist [<ids, space-separated>]`, then ` : <label>` if
 * the label is not empty. Then one line per live object by ascending id: `*` for a root or a
 * space, the id right-aligned to the width of the largest id in the frame, a space, the colour
 * letter (W, G, B), a space, and the slots in brackets, space-separated, `.` for null.
 * Lines are joined by '\n' with no newline at the end.
 */
export function renderText(frame: Frame, options: TextOptions = {}): string {
  const width = Math.max(1, ...frame.objects.map((o) => String(o.id).length));
  const header = `cycle ${frame.cycle} ${frame.phase} worklist [${frame.worklist.join(' ')}]${frame.label ? ` : ${frame.label}` : ''}`;
  const lines = frame.objects.map((o) => {
    const letter = options.ansi ? `\x1b[${ANSI[o.color]}m${LETTER[o.color]}\x1b[0m` : LETTER[o.color];
    const slots = o.slots.map((s) => (s === null ? '.' : String(s))).join(' ');
    return `${o.root ? '*' : ' '}${String(o.id).padStart(width)} ${letter} [${slots}]`;
  });
  return [header, ...lines].join('\n');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CELL = 110;
const RADIUS = 22;

interface Point {
  x: number;
  y: number;
}

/** Every id that appears in any frame gets one place on a grid, so objects do not move. */
function layout(frames: readonly Frame[]): { at: Map<ObjectId, Point>; width: number; height: number } {
  const ids = [...new Set(frames.flatMap((f) => f.objects.map((o) => o.id)))].sort((a, b) => a - b);
  const cols = Math.max(1, Math.ceil(Math.sqrt(ids.length)));
  const rows = Math.max(1, Math.ceil(ids.length / cols));
  const at = new Map<ObjectId, Point>();
  ids.forEach((id, i) => at.set(id, { x: CELL / 2 + (i % cols) * CELL, y: CELL / 2 + Math.floor(i / cols) * CELL }));
  return { at, width: cols * CELL, height: rows * CELL };
}

function edgePath(a: Point, b: Point): string {
  if (a.x === b.x && a.y === b.y) {
    // A self-loop: a small loop above the circle.
    const r = RADIUS;
    return `M ${a.x - r * 0.6} ${a.y - r * 0.8} C ${a.x - r * 1.6} ${a.y - r * 2.8}, ${a.x + r * 1.6} ${a.y - r * 2.8}, ${a.x + r * 0.6} ${a.y - r * 0.8}`;
  }
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy);
  const ux = dx / len;
  const uy = dy / len;
  // Bend each edge a little to its left, so a→b and b→a do not overlap.
  const bend = Math.min(30, len * 0.15);
  const cx = (a.x + b.x) / 2 - uy * bend;
  const cy = (a.y + b.y) / 2 + ux * bend;
  const start = toward(a, { x: cx, y: cy }, RADIUS);
  const end = toward(b, { x: cx, y: cy }, RADIUS + 3);
  return `M ${f(start.x)} ${f(start.y)} Q ${f(cx)} ${f(cy)} ${f(end.x)} ${f(end.y)}`;
}

function toward(from: Point, to: Point, d: number): Point {
  const len = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  return { x: from.x + ((to.x - from.x) / len) * d, y: from.y + ((to.y - from.y) / len) * d };
}

function f(n: number): string {
  return Number(n.toFixed(1)).toString();
}

function frameSvg(frame: Frame, at: Map<ObjectId, Point>, width: number, height: number): string {
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`];
  for (const o of frame.objects) {
    o.slots.forEach((to, slot) => {
      if (to === null) return;
      const a = at.get(o.id)!;
      const b = at.get(to) ?? a;
      out.push(`<path class="edge" data-from="${o.id}" data-slot="${slot}" data-to="${to}" d="${edgePath(a, b)}" marker-end="url(#gc-arrow)"/>`);
    });
  }
  for (const o of frame.objects) {
    const p = at.get(o.id)!;
    const cls = `obj ${o.color}${o.root ? ' root' : ''}`;
    out.push(`<g class="${cls}" data-id="${o.id}" data-color="${o.color}"${o.root ? ' data-root="true"' : ''}>`);
    if (o.root) out.push(`<circle class="ring" cx="${p.x}" cy="${p.y}" r="${RADIUS + 5}"/>`);
    out.push(`<circle cx="${p.x}" cy="${p.y}" r="${RADIUS}"/>`);
    out.push(`<text x="${p.x}" y="${p.y + 5}" text-anchor="middle">${o.id}</text>`);
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

const STYLE = `
body { font-family: sans-serif; margin: 1.5em; color: #222; }
nav { margin: 0.5em 0 1em; display: flex; gap: 0.6em; align-items: center; }
section.frame { border-top: 1px solid #ddd; padding-top: 0.5em; }
body.js section.frame { display: none; border: none; }
body.js section.frame.current { display: block; }
.meta { font-family: monospace; color: #555; }
.edge { fill: none; stroke: #555; stroke-width: 1.5; }
.obj circle { stroke: #333; stroke-width: 2; }
.obj.white circle { fill: #fff; }
.obj.grey circle { fill: #a0a0a0; }
.obj.black circle { fill: #111; }
.obj circle.ring { fill: none; stroke: #d62728; stroke-width: 2; stroke-dasharray: 4 3; }
.obj text { font-size: 14px; font-weight: bold; fill: #111; }
.obj.black text { fill: #fff; }
.legend span { display: inline-block; margin-right: 1.2em; }
`;

const SCRIPT = `
(() => {
  const frames = [...document.querySelectorAll('section.frame')];
  if (frames.length === 0) return;
  document.body.classList.add('js');
  const slider = document.getElementById('gc-slider');
  const pos = document.getElementById('gc-pos');
  let i = 0;
  const show = (n) => {
    i = Math.max(0, Math.min(frames.length - 1, n));
    frames.forEach((f, k) => f.classList.toggle('current', k === i));
    slider.value = String(i);
    pos.textContent = (i + 1) + ' / ' + frames.length;
  };
  document.getElementById('gc-prev').onclick = () => show(i - 1);
  document.getElementById('gc-next').onclick = () => show(i + 1);
  slider.oninput = () => show(Number(slider.value));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') show(i - 1);
    if (e.key === 'ArrowRight') show(i + 1);
  });
  show(0);
})();
`;

/**
 * A self-contained HTML page with one `<section class="frame">` per frame, in order. Each section
 * has `data-index`, `data-phase` and `data-cycle` attributes, a heading with the label, and an
 * inline SVG where every live object is a `<g class="obj <colour>[ root]" data-id=".."
 * data-color="..">` and every non-null slot a `<path class="edge" data-from=".." data-slot=".."
 * data-to="..">`. Objects keep one place on a grid across frames. Labels and the title are
 * HTML-escaped. A small script turns the page into a slideshow (buttons, slider, arrow keys);
 * without it every frame is shown one below the other.
 */
export function renderHtml(frames: readonly Frame[], options: HtmlOptions = {}): string {
  const title = options.title ?? 'tricolor-gc';
  const { at, width, height } = layout(frames);
  const sections = frames.map((frame, i) => {
    const meta = `cycle ${frame.cycle} · ${frame.phase} · worklist [${frame.worklist.join(' ')}]`;
    return [
      `<section class="frame" data-index="${i}" data-phase="${frame.phase}" data-cycle="${frame.cycle}">`,
      `<h2>${i + 1}. ${esc(frame.label)}</h2>`,
      `<p class="meta">${esc(meta)}</p>`,
      frameSvg(frame, at, width, height),
      '</section>',
    ].join('\n');
  });
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${esc(title)}</h1>`,
    '<p class="legend"><span>○ white: not yet seen</span><span>◍ grey: seen, slots not scanned</span><span>● black: scanned</span><span>dashed red ring: root</span></p>',
    '<nav><button id="gc-prev">◀ prev</button>' +
      `<input id="gc-slider" type="range" min="0" max="${Math.max(0, frames.length - 1)}" value="0">` +
      '<button id="gc-next">next ▶</button><span id="gc-pos"></span></nav>',
    '<svg width="0" height="0" style="position:absolute"><defs><marker id="gc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs></svg>',
    ...sections,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
  ].join('\n');
}
