/**
 * One measured number. Benchmarks return lists of these; `test/bench/run.ts` runs every suite in one
 * process, one after another, and writes JSON plus a Markdown table under bench/results/.
 * Ratios are what we compare across runs: absolute rates on a shared 2-core machine are noisy, while two
 * numbers measured side by side in the same run are not.
 */
export interface BenchResult {
  /** e.g. 'bus', 'harvest', 'train', 'infer', 'eval' */
  suite: string;
  /** what was measured, e.g. 'produce sqlite batch=500' */
  name: string;
  value: number;
  /** e.g. 'msgs/s', 'tiles/s', 'img/s', 'precision@10' */
  unit: string;
  /** the same quantity divided by a baseline measured in the same run */
  ratio?: { baseline: string; value: number };
  params?: Record<string, string | number | boolean>;
}

export interface BenchOptions {
  /** shorter runs for a smoke check (the runner passes true with --quick) */
  quick: boolean;
  /** absolute path to the real data kit (../shared/data from the repo root) */
  dataDir: string;
  /** a scratch directory the suite may fill; removed by the runner afterwards */
  workDir: string;
}

export type BenchSuite = (options: BenchOptions) => Promise<BenchResult[]>;
