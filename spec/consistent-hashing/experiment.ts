/**
 * `npm run experiment consistent-hashing`: how evenly does the ring spread load as the number of
 * virtual nodes per node grows? For v = 1 .. 1000 it builds rings of 50 nodes, counts which node
 * owns each of 500,000 keys and plots σ/μ of the per-node load beside 1/√v.
 *
 * Reading it: on log-log axes 1/√v is a straight line of slope -1/2. The measured points should
 * sit on it; a ring whose points are not spread independently (a weak hash, labels that collide)
 * flattens out above it. Each point is the mean of 3 rings with different node names, with the
 * keys' own counting noise (variance μ(1 - 1/N) per node) subtracted, as in the spec.
 */
import { HashRing } from '#kata/consistent-hashing';
import { lineChart, terminalChart, writeReport, type Series } from '#support/chart';
import { keys, loadCv, loads } from './helpers.ts';

const NODES = 50;
const KEYS = 500_000;
const TRIALS = 3;
const VNODES = [1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000];

const measured: Array<[number, number]> = [];
const rows: string[] = [];
const keyList = keys('experiment', KEYS);
for (const v of VNODES) {
  let sum = 0;
  for (let t = 0; t < TRIALS; t++) {
    const ring = new HashRing({ vnodes: v });
    const nodes = Array.from({ length: NODES }, (_, i) => `trial${t}-node${i}`);
    for (const n of nodes) ring.add(n);
    sum += loadCv(loads(ring, nodes, keyList));
  }
  const cv = sum / TRIALS;
  measured.push([v, cv]);
  rows.push(`${String(v).padStart(5)}  ${cv.toFixed(4)}  ${(1 / Math.sqrt(v)).toFixed(4)}  ${(cv * Math.sqrt(v)).toFixed(3)}`);
}

console.log(`σ/μ of load over ${NODES} nodes, ${KEYS} keys, mean of ${TRIALS} rings\n`);
console.log('    v  σ/μ     1/√v    (σ/μ)·√v');
for (const r of rows) console.log(r);

const series: Series[] = [
  { name: `measured, ${NODES} nodes`, points: measured },
  { name: '1/√v', points: VNODES.map((v) => [v, 1 / Math.sqrt(v)]), dashed: true },
];
const chart = {
  title: 'Load imbalance against virtual nodes per node',
  xLabel: 'virtual nodes per node (v)',
  yLabel: 'σ/μ of keys per node',
  series,
  logX: true,
  logY: true,
};
console.log(`\n${terminalChart(chart)}`);
console.log(`\nSVG: ${writeReport('consistent-hashing-vnodes', lineChart(chart))}`);
