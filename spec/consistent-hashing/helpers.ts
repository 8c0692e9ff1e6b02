/**
 * Shared pieces of the consistent-hashing spec: an independent MurmurHash3 (the oracle for the
 * default hash), hashes that place points exactly where a test wants them, the ring model every
 * lookup is checked against, and load statistics.
 */
import { createRequire } from 'node:module';
import { fc } from '#support/property';

const require = createRequire(import.meta.url);
const murmurLib = require('murmurhash3js-revisited') as { x86: { hash32(bytes: Uint8Array, seed?: number): number } };
const utf8 = new TextEncoder();

/** MurmurHash3_x86_32(utf8(s), seed 0) from the `murmurhash3js-revisited` package. */
export function oracleMurmur(s: string): number {
  return murmurLib.x86.hash32(utf8.encode(s), 0);
}

/** The label the README fixes for point i of a node. */
export const label = (node: string, i: number) => `${node}#${i}`;

/** A key whose hash under `tableHash` is exactly `h`. */
export const keyAt = (h: number) => `@${h}`;

/**
 * A hash that puts each point label where `table` says and each key `@<n>` at n. Anything else
 * is a test failure that names the label it did not expect (usually a label format other than
 * `${node}#${i}`).
 */
export function tableHash(table: Record<string, number>): (s: string) => number {
  const map = new Map(Object.entries(table));
  return (s) => {
    const at = map.get(s);
    if (at !== undefined) return at;
    if (/^@\d+$/.test(s)) return Number(s.slice(1));
    throw new Error(`the ring hashed "${s}", which is neither a point label this test placed (${[...map.keys()].slice(0, 4).join(', ')}, ...) nor a key: point i of node n must be labelled \`\${n}#\${i}\``);
  };
}

/** Wraps a hash and records every string the ring asks it to hash. */
export function recording(hash: (s: string) => number = oracleMurmur): { hash: (s: string) => number; seen: Set<string> } {
  const seen = new Set<string>();
  return {
    seen,
    hash: (s) => {
      seen.add(s);
      return hash(s);
    },
  };
}

export interface Point {
  pos: number;
  node: string;
}

/** Points of a node with `count` points under `hash`. */
export function pointsOf(node: string, count: number, hash: (s: string) => number): Point[] {
  return Array.from({ length: count }, (_, i) => ({ pos: hash(label(node, i)) >>> 0, node }));
}

/**
 * The ring as the README defines it, by linear scan: points ordered by position, equal positions
 * by node name; a hash belongs to the first point at or after it, else to the first point.
 */
export function modelRing(points: readonly Point[]): (h: number) => string | undefined {
  const sorted = [...points].sort((a, b) => a.pos - b.pos || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return (h) => (sorted.find((p) => p.pos >= h) ?? sorted[0])?.node;
}

/** `count` keys that share a random prefix. */
export function keys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}:${i}`);
}

/** How many of `keyList` each node owns (every node of `nodes` present, even with 0). */
export function loads(ring: { get(key: string): string | undefined }, nodes: readonly string[], keyList: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>(nodes.map((n) => [n, 0]));
  for (const k of keyList) {
    const owner = ring.get(k);
    if (owner === undefined || !counts.has(owner)) throw new Error(`get(${JSON.stringify(k)}) returned ${JSON.stringify(owner)}, which is not a node on the ring`);
    counts.set(owner, counts.get(owner)! + 1);
  }
  return counts;
}

/**
 * σ/μ of the nodes' shares of the hash space, estimated from key counts. Counting K keys adds
 * its own (multinomial) noise of variance μ(1 - 1/N) per node on top of the spread of the
 * shares; that known part is subtracted so the estimate does not depend on K.
 */
export function loadCv(counts: Map<string, number>): number {
  const xs = [...counts.values()];
  const n = xs.length;
  const total = xs.reduce((a, b) => a + b, 0);
  const mu = total / n;
  const variance = xs.reduce((a, x) => a + (x - mu) ** 2, 0) / n;
  return Math.sqrt(Math.max(0, variance - mu * (1 - 1 / n))) / mu;
}

/** Node names: short, distinct, sometimes non-ASCII, sometimes containing '#'. */
export const nodeName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
  fc.nat(999).map((i) => `10.0.0.${i}:11211`),
  fc.nat(99).map((i) => `node-${i}#x`),
);

export const nodeSet = (min: number, max: number) => fc.uniqueArray(nodeName, { minLength: min, maxLength: max });
