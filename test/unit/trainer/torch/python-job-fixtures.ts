/**
 * Job directories for the Python torch backend (services/trainer/torch), written the way the TypeScript
 * launcher writes them: the graph from buildEncoderGraph, the heads from buildHeads, resolved augment
 * options, and a sample of real Blue Marble tiles decoded by sharp to uint8 NHWC.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { buildEncoderGraph, type EncoderArch, type WeightMap } from '../../../../shared/model/encoder/index.js';
import { serializeWeights } from '../../../../shared/model/checkpoint/index.js';
import { buildHeads, type Technique } from '../../../../services/trainer/train/heads.js';
import { resolveAugmentOptions } from '../../../../services/trainer/augment/index.js';
import { kit, repositoryRoot } from '../../../support/data-kit.js';

export const PYTHON = '/usr/bin/python3';
export const tinyArch: EncoderArch = { kind: 'small', width: 8, layers: 2, norm: 'batch' };

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout lines that parse as JSON objects */
  events: Record<string, unknown>[];
}

/** Runs `python3 -m gibs_embed_torch ...args` with the package on PYTHONPATH; never rejects on exit codes. */
export function runPython(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<PythonRun> {
  return runPythonArgv(['-m', 'gibs_embed_torch', ...args], env, timeoutMs);
}

/** Runs `python3 ...argv` (e.g. `-c CODE`) with the package on PYTHONPATH. */
export function runPythonArgv(
  argv: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, argv, {
      env: { ...process.env, PYTHONPATH: path.join(repositoryRoot(), 'services/trainer/torch'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const events = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stdout, stderr, events });
    });
  });
}

/** A free TCP port on 127.0.0.1 (for MASTER_PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** `count` real tiles decoded to size×size RGB uint8, packed NHWC. */
export async function blueMarbleSample(count: number, size: number): Promise<Uint8Array> {
  const files: string[] = [];
  for (const z of (await readdir(kit('bluemarble'))).sort()) {
    for (const x of (await readdir(kit('bluemarble', z))).sort()) {
      for (const y of (await readdir(kit('bluemarble', z, x))).sort()) files.push(kit('bluemarble', z, x, y));
    }
  }
  const chosen = files.filter((f) => f.endsWith('.jpg')).slice(0, count);
  if (chosen.length < count) throw new Error(`only ${chosen.length} Blue Marble tiles, wanted ${count}`);
  const out = new Uint8Array(count * size * size * 3);
  await Promise.all(
    chosen.map(async (file, i) => {
      const raw = await sharp(file).removeAlpha().resize(size, size, { fit: 'fill' }).raw().toBuffer();
      out.set(raw, i * size * size * 3);
    }),
  );
  return out;
}

export async function writeWeights(dir: string, arch: EncoderArch, weights: WeightMap): Promise<void> {
  const { bytes, manifest } = serializeWeights(arch, weights);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'weights.bin'), bytes);
  await writeFile(path.join(dir, 'weights.json'), JSON.stringify(manifest));
}

export interface TrainJobOptions {
  arch?: EncoderArch;
  technique?: Technique;
  images: Uint8Array;
  count: number;
  size: number;
  steps: number;
  batchSize: number;
  threads?: number;
  seed?: number;
  init?: WeightMap;
  /** replaces fields of the job (undefined values remove them) */
  override?: Record<string, unknown>;
}

/** Writes job.json + sample/ into `dir` (created). */
export async function writeTrainJob(dir: string, o: TrainJobOptions): Promise<Record<string, unknown>> {
  const arch = o.arch ?? tinyArch;
  const technique = o.technique ?? 'simclr';
  const graph = buildEncoderGraph(arch);
  const heads = buildHeads(technique, graph.embeddingDim, arch.norm);
  await mkdir(path.join(dir, 'sample'), { recursive: true });
  await writeFile(path.join(dir, 'sample', 'images.u8'), o.images);
  await writeFile(
    path.join(dir, 'sample', 'sample.json'),
    JSON.stringify({
      count: o.count,
      height: o.size,
      width: o.size,
      channels: 3,
      dtype: 'uint8',
      layout: 'NHWC',
      file: 'images.u8',
    }),
  );
  if (o.init) await writeWeights(path.join(dir, 'init'), arch, o.init);
  const job: Record<string, unknown> = {
    technique,
    graph,
    arch,
    heads,
    input_size: o.size,
    steps: o.steps,
    batch_size: o.batchSize,
    lr: 0.05,
    warmup_steps: 1,
    momentum: 0.9,
    weight_decay: 5e-4,
    temperature: 0.1,
    seed: o.seed ?? 7,
    augment: resolveAugmentOptions({ normalization: { mean: [0.3, 0.35, 0.3], std: [0.2, 0.2, 0.2] } }),
    device: 'cpu',
    threads: o.threads ?? 1,
    init: o.init ? { weights: 'init/weights.bin', manifest: 'init/weights.json' } : null,
    resume_step: 0,
    timeout_seconds: 30,
    ...o.override,
  };
  await writeFile(path.join(dir, 'job.json'), JSON.stringify(job));
  return job;
}
