/**
 * `npm run experiment bloom-filter`: the measured false-positive rate of the kata's BloomFilter
 * beside (1 − e^(−kn/m))^k,
 *   (a) against bits per key m/n from 2 to 20, with k = round(m/n · ln 2), and
 *   (b) against k from 1 to 16, at 8 and at 12 bits per key.
 * Writes reports/bloom-filter-fpr-vs-bits.svg and reports/bloom-filter-fpr-vs-k.svg and prints
 * the numbers and rough terminal charts.
 */
import { BloomFilter, theoreticalFpr } from '#kata/bloom-filter';
import { printTable } from '#support/bench';
import { lineChart, terminalChart, writeReport, type ChartOptions, type Series } from '#support/chart';

const N = 20_000;
/** Queries per point: enough for ~400 false positives, within these bounds. */
const MIN_QUERIES = 100_000;
const MAX_QUERIES = 1_000_000;

interface Point {
  perKey: number;
  k: number;
  queries: number;
  positives: number;
  measured: number;
  theory: number;
}

let run = 0;

/** Fills a fresh m = perKey·N filter with N keys and counts false positives among new keys. */
function measure(perKey: number, k: number): Point {
  const m = Math.round(perKey * N);
  const theory = theoreticalFpr(m, k, N);
  const queries = Math.min(MAX_QUERIES, Math.max(MIN_QUERIES, Math.ceil(400 / theory)));
  const f = new BloomFilter(m, k);
  const tag = `${run++}`;
  for (let i = 0; i < N; i++) f.add(`key:${tag}:${i}`);
  let positives = 0;
  for (let i = 0; i < queries; i++) if (f.has(`new:${tag}:${i}`)) positives++;
  return { perKey, k, queries, positives, measured: positives / queries, theory };
}

function show(name: string, chart: ChartOptions): void {
  const file = writeReport(name, lineChart(chart));
  console.log(`\n${terminalChart(chart)}\nwrote ${file}`);
}

function table(title: string, points: Point[]): void {
  printTable(
    title,
    ['m/n', 'k', 'queries', 'false positives', 'measured', 'theory', 'measured ÷ theory'],
    points.map((p) => [
      String(p.perKey),
      String(p.k),
      p.queries.toLocaleString('en'),
      String(p.positives),
      p.measured.toExponential(3),
      p.theory.toExponential(3),
      p.positives === 0 ? '-' : (p.measured / p.theory).toFixed(3),
    ]),
  );
}

// (a) FPR against bits per key, k optimal.
const byBits: Point[] = [];
for (let perKey = 2; perKey <= 20; perKey++) byBits.push(measure(perKey, Math.max(1, Math.round(perKey * Math.LN2))));
table(`(a) false-positive rate against bits per key, k = round(m/n · ln 2), n = ${N}`, byBits);
const fine = Array.from({ length: 37 }, (_, i) => 2 + i / 2);
const bitsSeries: Series[] = [
  { name: 'measured, k optimal', points: byBits.filter((p) => p.positives > 0).map((p) => [p.perKey, p.measured]) },
  { name: 'theory, k optimal', points: fine.map((b) => [b, theoreticalFpr(Math.round(b * N), Math.max(1, Math.round(b * Math.LN2)), N)]), dashed: true },
  { name: 'theory, k = 1', points: fine.map((b) => [b, theoreticalFpr(Math.round(b * N), 1, N)]), dashed: true },
];
show('bloom-filter-fpr-vs-bits', {
  title: 'Bloom filter: false-positive rate vs bits per key',
  xLabel: 'bits per key (m/n)',
  yLabel: 'false-positive rate',
  series: bitsSeries,
  logY: true,
});

// (b) FPR against k, m/n fixed.
const byK: Point[] = [];
const kSeries: Series[] = [];
for (const perKey of [8, 12]) {
  const pts: Point[] = [];
  for (let k = 1; k <= 16; k++) pts.push(measure(perKey, k));
  byK.push(...pts);
  kSeries.push({ name: `measured, m/n = ${perKey}`, points: pts.map((p) => [p.k, p.measured]) });
  kSeries.push({ name: `theory, m/n = ${perKey}`, points: pts.map((p) => [p.k, p.theory]), dashed: true });
}
table(`(b) false-positive rate against k, n = ${N}`, byK);
show('bloom-filter-fpr-vs-k', {
  title: 'Bloom filter: false-positive rate vs number of hash functions',
  xLabel: 'k (hash functions)',
  yLabel: 'false-positive rate',
  series: kSeries,
  logY: true,
});

// Counting noise: the number of false positives is binomial, so its standard deviation is about
// √(queries · theory). A right filter stays within ~3 of them at every point.
const all = [...byBits, ...byK];
const z = all.map((p) => (p.positives - p.queries * p.theory) / Math.sqrt(p.queries * p.theory * (1 - p.theory)));
const worst = z.reduce((w, v) => Math.max(w, Math.abs(v)), 0);
console.log(
  `\nLargest gap between measured and theory: ${worst.toFixed(2)} standard deviations of the count, over ${all.length} points` +
    ' (counting noise alone keeps nearly all of them under 3).' +
    `\nThe optimum k is (m/n)·ln 2: ${(8 * Math.LN2).toFixed(2)} at 8 bits per key, ${(12 * Math.LN2).toFixed(2)} at 12.`,
);
