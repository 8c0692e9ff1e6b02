/** Incremental tricolor mark-and-sweep over a simulated heap, with write barriers and frames. */
export { Heap, type Barrier, type Color, type Frame, type FrameObject, type GcStats, type HeapOptions, type ObjectId, type Phase } from './heap.ts';
export { SlotRangeError, UnknownObjectError } from './errors.ts';
export { renderHtml, renderText, type HtmlOptions, type TextOptions } from './render.ts';
