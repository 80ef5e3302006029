import { spawn } from 'node:child_process';
import { AppError } from '../../../shared/errors/index.js';
import { DEFAULT_TORCH_PYTHON, torchPackageRoot } from './torch-paths.js';
import { torchErrorCodes } from './torch-errors.js';

export interface TorchInfo {
  torch: string;
  cuda: boolean;
  python: string;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Exit status of the probe below when torch cannot be found (distinct from Python's own 1 and 2). */
const NO_TORCH_STATUS = 3;
const PROBE = `import importlib.util, sys\nsys.exit(0 if importlib.util.find_spec('torch') else ${NO_TORCH_STATUS})`;
const INSTALL_HINT = "install Debian's python3-torch (apt-get install python3-torch) or PyTorch for this Python";

function runPython(python: string, args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      env: { ...process.env, PYTHONPATH: torchPackageRoot() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (cause) =>
      reject(
        new AppError(
          torchErrorCodes.pythonMissing,
          `the torch backend cannot start Python at ${python} (trainer.python); install Python 3 with PyTorch there (Debian: apt-get install python3-torch) or set trainer.python`,
          { retriable: false, cause },
        ),
      ),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tail = (text: string) => text.trim().split('\n').slice(-5).join('\n');

/**
 * Makes sure `python` runs and imports torch and the project's package, before any data is loaded for a
 * run; returns what `gibs_embed_torch check` reports (torch version, CUDA, Python version).
 */
export async function checkTorch(python: string = DEFAULT_TORCH_PYTHON): Promise<TorchInfo> {
  const probe = await runPython(python, ['-c', PROBE]);
  if (probe.code === NO_TORCH_STATUS)
    throw new AppError(torchErrorCodes.torchMissing, `${python} cannot import torch: ${INSTALL_HINT}`, {
      retriable: false,
    });
  if (probe.code !== 0)
    throw new AppError(
      torchErrorCodes.pythonMissing,
      `${python} is not a working Python 3 (exit ${probe.code}): ${tail(probe.stderr)}`,
      { retriable: false },
    );
  const check = await runPython(python, ['-m', 'gibs_embed_torch', 'check']);
  if (check.code !== 0)
    throw new AppError(
      torchErrorCodes.torchMissing,
      `${python} -m gibs_embed_torch check failed (exit ${check.code}; PYTHONPATH=${torchPackageRoot()}): ${tail(check.stderr)}`,
      { retriable: false },
    );
  const line = check.stdout.trim().split('\n').pop() ?? '';
  let info: Partial<TorchInfo>;
  try {
    info = JSON.parse(line) as Partial<TorchInfo>;
  } catch (cause) {
    throw new AppError(torchErrorCodes.torchMissing, `gibs_embed_torch check printed no JSON: ${line}`, {
      retriable: false,
      cause,
    });
  }
  if (typeof info.torch !== 'string' || typeof info.cuda !== 'boolean')
    throw new AppError(torchErrorCodes.torchMissing, `gibs_embed_torch check printed ${line}`, { retriable: false });
  return { torch: info.torch, cuda: info.cuda, python: String(info.python ?? '') };
}
