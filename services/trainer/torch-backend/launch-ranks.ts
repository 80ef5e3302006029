import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { AppError } from '../../../shared/errors/index.js';
import type { TrainStepInfo } from '../train/index.js';
import { torchPackageRoot } from './torch-paths.js';
import { torchErrorCodes } from './torch-errors.js';

export interface LaunchOptions {
  python: string;
  jobDir: string;
  /** processes (gloo on CPU; one per GPU with cuda) */
  ranks: number;
  /** intra-op threads of each rank (OMP_NUM_THREADS) */
  threads: number;
  /** to turn rank 0's step events into TrainStepInfo as the tfjs trainer reports it */
  stepsPerEpoch: number;
  batchSize: number;
  /** extra environment for every rank (tests: GIBS_EMBED_TORCH_CRASH_RANK) */
  env?: Record<string, string>;
}

/** A rank's stderr kept for the error message: the end of a Python traceback. */
const STDERR_TAIL_BYTES = 4000;
/** How long a rank gets to exit after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 3000;

/** A TCP port free right now on 127.0.0.1, for the ranks' rendezvous (MASTER_PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface StepEvent {
  event: 'step';
  step: number;
  steps: number;
  loss: number;
  lr: number;
  pairs_per_second: number;
  collapse_std?: number;
}

/**
 * Starts one `python -m gibs_embed_torch train --job DIR` per rank (torch.distributed's env:// rendezvous;
 * Debian's torchrun crashes on Python 3.11, so the ranks are started here) and resolves when all exit 0.
 * Rank 0's JSON step lines become TrainStepInfo for `onStep`. A rank exiting non-zero, or the signal,
 * kills every rank and rejects: a rank left waiting in an all-reduce would otherwise hang until gloo's timeout.
 */
export async function launchRanks(
  options: LaunchOptions,
  hooks: { onStep?: (s: TrainStepInfo) => void; signal?: AbortSignal },
): Promise<void> {
  if (hooks.signal?.aborted) throw abortedError();
  const port = await freePort();
  const children: ChildProcess[] = [];
  const stderrTails: string[] = [];
  let lastError = '';
  let collapseStd = Number.NaN;

  const handleLine = (line: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // not a protocol line (a library's print): kept with rank 0's stderr for the error message
      stderrTails[0] = (stderrTails[0] + line + '\n').slice(-STDERR_TAIL_BYTES);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const event = parsed as { event?: string; message?: string };
    if (event.event === 'error') lastError = String(event.message ?? '');
    if (event.event !== 'step') return;
    const s = parsed as StepEvent;
    if (typeof s.collapse_std === 'number') collapseStd = s.collapse_std;
    const pairsPerSecond = s.pairs_per_second;
    hooks.onStep?.({
      step: s.step,
      epoch: Math.floor(s.step / Math.max(1, options.stepsPerEpoch)),
      loss: s.loss,
      lr: s.lr,
      imagesPerSecond: pairsPerSecond,
      collapseStd,
      etaSeconds: pairsPerSecond > 0 ? ((s.steps - s.step - 1) * options.batchSize) / pairsPerSecond : Infinity,
    });
  };

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let exited = 0;
    const killAll = () => {
      for (const child of children) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        child.kill('SIGTERM');
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }, KILL_GRACE_MS).unref();
      }
    };
    const fail = (error: AppError) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      killAll();
      reject(error);
    };
    const onAbort = () => fail(abortedError());
    hooks.signal?.addEventListener('abort', onAbort, { once: true });

    for (let rank = 0; rank < options.ranks; rank++) {
      stderrTails.push('');
      const child = spawn(options.python, ['-m', 'gibs_embed_torch', 'train', '--job', options.jobDir], {
        env: {
          ...process.env,
          ...options.env,
          PYTHONPATH: torchPackageRoot(),
          PYTHONUNBUFFERED: '1',
          MASTER_ADDR: '127.0.0.1',
          MASTER_PORT: String(port),
          RANK: String(rank),
          LOCAL_RANK: String(rank),
          WORLD_SIZE: String(options.ranks),
          OMP_NUM_THREADS: String(options.threads),
          MKL_NUM_THREADS: String(options.threads),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let pending = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        if (rank !== 0) return;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) handleLine(line.trim());
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderrTails[rank] = (stderrTails[rank] + chunk).slice(-STDERR_TAIL_BYTES);
      });
      child.on('error', (cause) =>
        fail(
          new AppError(torchErrorCodes.pythonMissing, `cannot start rank ${rank} with ${options.python}`, {
            retriable: false,
            cause,
          }),
        ),
      );
      child.on('close', (code, signalName) => {
        if (rank === 0 && pending.trim()) handleLine(pending.trim());
        if (code !== 0) {
          const how = code === null ? `was killed (${signalName})` : `exited with status ${code}`;
          const detail =
            (rank === 0 && lastError) ||
            stderrTails[rank].trim().split('\n').slice(-15).join('\n') ||
            '(nothing on stderr)';
          fail(
            new AppError(torchErrorCodes.rankFailed, `torch training rank ${rank} ${how}: ${detail}`, {
              retriable: false,
            }),
          );
          return;
        }
        exited++;
        if (exited === options.ranks && !settled) {
          settled = true;
          hooks.signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      });
    }
  });
}

function abortedError(): AppError {
  return new AppError(torchErrorCodes.aborted, 'torch training stopped before it finished; nothing was written', {
    retriable: false,
  });
}
