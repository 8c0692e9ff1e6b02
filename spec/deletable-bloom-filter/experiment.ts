/**
 * `npm run experiment deletable-bloom-filter`: how many of the inserted keys a DlBF can delete, as
 * the filter fills up, for a few numbers of regions — measured (mean of several filters) beside
 * the estimate `expectedDeletability` (dashed). Writes reports/deletable-bloom-filter.svg and prints
 * a terminal rendering and the numbers.
 */
import { DeletableBloomFilter, expectedDeletability } from '#kata/deletable-bloom-filter';
import { printTable } from '#support/bench';
import { lineChart, terminalChart, writeReport, type Series } from '#support/chart';

const BITS = 8192;
const HASHES = 4;
const REGIONS = [64, 256, 1024, 8192];
const NS = [50, 100, 200, 300, 400, 600, 800, 1000, 1200, 1500, 2000];
const TRIALS = 6;

function measured(regions: number, n: number): number {
  let sum = 0;
  for (let t = 0; t < TRIALS; t++) {
    const f = new DeletableBloomFilter(BITS, HASHES, regions);
    const keys = Array.from({ length: n }, (_, i) => `r${regions}-n${n}-t${t}-key${i}`);
    for (const k of keys) f.add(k);
    sum += keys.filter((k) => f.isDeletable(k)).length / n;
  }
  return sum / TRIALS;
}

const series: Series[] = [];
const rows: string[][] = [];
for (const regions of REGIONS) {
  const got = NS.map((n) => [n, measured(regions, n)] as [number, number]);
  const want = NS.map((n) => [n, expectedDeletability(BITS, HASHES, regions, n)] as [number, number]);
  series.push({ name: `r=${regions} measured`, points: got });
  series.push({ name: `r=${regions} estimate`, points: want, dashed: true });
  NS.forEach((n, i) => rows.push([String(regions), String(n), got[i]![1].toFixed(4), want[i]![1].toFixed(4), (got[i]![1] - want[i]![1]).toFixed(4)]));
}

const chart = {
  title: `DlBF deletability, m=${BITS} bits, k=${HASHES}: measured vs estimate`,
  xLabel: 'n (keys inserted)',
  yLabel: 'fraction of keys deletable',
  series,
};
const file = writeReport('deletable-bloom-filter', lineChart(chart));
console.log(terminalChart(chart));
printTable(`measured (mean of ${TRIALS} filters) and estimated deletability`, ['regions', 'n', 'measured', 'estimate', 'difference'], rows);
console.log(`\nchart: ${file}`);
