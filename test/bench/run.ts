/**
 * `npm run bench [-- --quick] [-- --only bus,harvest]`: runs every benchmark suite in one process, one
 * after another (never in parallel: they would measure each other), and writes
 * bench/results/<timestamp>.json + .md and bench/results/latest.{json,md}.
 * Ratios inside a suite compare numbers measured side by side in this same run.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';
import { kit, repositoryRoot } from '../support/data-kit.js';

const repoRoot = repositoryRoot();

/** suite name → module and export; loaded lazily so one suite's heavy imports do not slow the others */
const suites: { name: string; load: () => Promise<BenchSuite> }[] = [
  { name: 'bus', load: async () => (await import('./bus.bench.js')).benchBus },
  { name: 'replay', load: async () => (await import('./replay.bench.js')).benchReplay },
  { name: 'harvest', load: async () => (await import('./harvest.bench.js')).benchHarvest },
  { name: 'preprocess', load: async () => (await import('./preprocess.bench.js')).benchPreprocess },
  { name: 'infer', load: async () => (await import('./infer.bench.js')).benchInfer },
  { name: 'train', load: async () => (await import('./train.bench.js')).benchTrain },
  { name: 'train-quality', load: async () => (await import('./train-quality.bench.js')).benchTrainQuality },
  { name: 'eval', load: async () => (await import('./eval.bench.js')).benchEval },
  { name: 'store', load: async () => (await import('./store.bench.js')).benchStore },
  { name: 'embedder', load: async () => (await import('./embedder.bench.js')).benchEmbedder },
  { name: 'pipeline', load: async () => (await import('./pipeline.bench.js')).benchPipeline },
  { name: 'alerter', load: async () => (await import('./alerter.bench.js')).benchAlerter },
  { name: 'api', load: async () => (await import('./api.bench.js')).benchApi },
  { name: 'alert-latency', load: async () => (await import('./alert-latency.bench.js')).benchAlertLatency },
];

function parseArgs(argv: string[]): { quick: boolean; only?: Set<string> } {
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? '').split(',').filter(Boolean)) : undefined;
  if (only) {
    const unknown = [...only].filter((n) => !suites.some((s) => s.name === n));
    if (unknown.length)
      throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}`);
  }
  return { quick, only };
}

export function toMarkdown(results: BenchResult[], meta: Record<string, unknown>): string {
  const lines = [
    '# gibs-embed benchmarks',
    '',
    ...Object.entries(meta).flatMap(([k, v]) =>
      typeof v === 'object' && v !== null
        ? [`- ${k}:`, ...Object.entries(v).map(([name, value]) => `  - ${name}: ${String(value)}`)]
        : [`- ${k}: ${String(v)}`],
    ),
    '',
    '| suite | measurement | value | unit | ratio | params |',
    '|---|---|---:|---|---|---|',
  ];
  for (const r of results) {
    const ratio = r.ratio ? `${r.ratio.value.toFixed(3)}× ${r.ratio.baseline}` : '';
    const params = r.params
      ? Object.entries(r.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '';
    lines.push(`| ${r.suite} | ${r.name} | ${formatValue(r.value)} | ${r.unit} | ${ratio} | ${params} |`);
  }
  return `${lines.join('\n')}\n`;
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toFixed(4);
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const dataDir = kit();
  const results: BenchResult[] = [];
  const failures: string[] = [];
  const started = new Date();
  for (const suite of suites) {
    if (only && !only.has(suite.name)) continue;
    const workDir = await mkdtemp(path.join(os.tmpdir(), `bench-${suite.name}-`));
    const options: BenchOptions = { quick, dataDir, workDir };
    const t0 = performance.now();
    process.stderr.write(`bench: ${suite.name} ...\n`);
    try {
      const run = await suite.load();
      const got = await run(options);
      results.push(...got);
      for (const r of got)
        process.stderr.write(
          `  ${r.name}: ${formatValue(r.value)} ${r.unit}${r.ratio ? ` (${r.ratio.value.toFixed(3)}× ${r.ratio.baseline})` : ''}\n`,
        );
    } catch (error) {
      failures.push(`${suite.name}: ${(error as Error).stack ?? String(error)}`);
      process.stderr.write(`  FAILED: ${(error as Error).message}\n`);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
    process.stderr.write(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  const meta = {
    date: started.toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    mode: quick ? 'quick' : 'full',
  };
  const outDir = path.join(repoRoot, 'bench/results');
  await mkdir(outDir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const json = `${JSON.stringify({ meta, results, failures }, null, 2)}\n`;
  const md =
    toMarkdown(results, meta) +
    (failures.length ? `\n## Failures\n\n${failures.map((f) => `- ${f.split('\n')[0]}`).join('\n')}\n` : '');
  const latest = await mergeLatest(path.join(outDir, 'latest.json'), meta, results, failures);
  await Promise.all([
    writeFile(path.join(outDir, `${stamp}.json`), json),
    writeFile(path.join(outDir, `${stamp}.md`), md),
    writeFile(path.join(outDir, 'latest.json'), `${JSON.stringify(latest, null, 2)}\n`),
    writeFile(path.join(outDir, 'latest.md'), toMarkdown(latest.results, latest.meta)),
  ]);
  process.stderr.write(`bench: wrote ${path.relative(repoRoot, outDir)}/${stamp}.{json,md}\n`);
  if (failures.length) process.exitCode = 1;
}

interface RunMeta {
  date: string;
  mode: string;
  [key: string]: unknown;
}

/**
 * latest.{json,md}: the newest result of every suite. A run with `--only` replaces its suites' rows and keeps the
 * others', and `meta.suites` says when and in which mode each suite last ran (ratios stay within one suite's run).
 */
async function mergeLatest(
  file: string,
  meta: RunMeta,
  results: BenchResult[],
  failures: string[],
): Promise<{ meta: RunMeta & { suites: Record<string, string> }; results: BenchResult[]; failures: string[] }> {
  let previous: { meta?: { suites?: Record<string, string>; date?: string; mode?: string }; results?: BenchResult[] } =
    {};
  try {
    previous = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    // no usable latest yet: this run is all of it
  }
  const ran = new Set(results.map((r) => r.suite));
  const kept = (previous.results ?? []).filter((r) => !ran.has(r.suite));
  const suites: Record<string, string> = {};
  for (const r of kept)
    suites[r.suite] = previous.meta?.suites?.[r.suite] ?? `${previous.meta?.date} (${previous.meta?.mode})`;
  for (const name of ran) suites[name] = `${meta.date} (${meta.mode})`;
  const order = (name: string) => suiteNames.indexOf(name);
  const merged = [...kept, ...results].sort((a, b) => order(a.suite) - order(b.suite));
  return { meta: { ...meta, suites }, results: merged, failures };
}

const suiteNames = suites.map((s) => s.name);

await main();
