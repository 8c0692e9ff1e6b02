/**
 * A benchmark harness for sequential versus random IO: seeded access plans, a case runner that
 * preallocates, times every access with a monotonic clock and fsyncs as asked, statistics (MB/s,
 * IOPS, latency percentiles) and a report with a table and charts.
 */
export { BenchConfigError, ShortFileError } from './errors.ts';
export { countSeeks, mulberry32, planAccesses, type Pattern, type PlanOptions } from './plan.ts';
export { percentile, summarize, type Latencies, type Measurement, type SummarizeInput } from './stats.ts';
export { FILE_NAME, FILL_CHUNK, runCase, runMatrix, type CaseOptions, type CaseResult, type FsyncMode, type IoMode } from './run.ts';
export {
  REPORT_COLUMNS,
  chartReport,
  compareSeqRandom,
  formatBytes,
  formatReport,
  type ChartMetric,
  type ChartSeries,
  type ChartSpec,
  type SeqRandomRatio,
} from './report.ts';
