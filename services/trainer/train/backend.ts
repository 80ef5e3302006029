/**
 * Picks and starts the tfjs backend for training/inference in this thread (each worker thread calls it
 * for its own wasm instance). CPU wasm is the default that always works; `cpu` is tfjs's pure-JS backend
 * (slow; a reference); `webgpu` is only tried when its packages are installed and a GPU adapter exists.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { registerTrainingKernels } from '../kernels/index.js';
import { trainErrorCodes } from './train-errors.js';

/** tfjs backends, and 'torch': PyTorch in child processes (services/trainer/torch-backend), started by runTraining */
export type BackendKind = 'wasm' | 'cpu' | 'webgpu' | 'torch';

export interface BackendOptions {
  /**
   * Threads for the wasm backend. tfjs 4.22 disables wasm threads under Node (its threaded build needs
   * browser Blob workers), so only 1 is accepted; use data-parallel worker threads for more cores.
   */
  threads?: number;
}

/** Folder holding tfjs-backend-wasm's .wasm binaries (its Node build cannot find them by itself under ESM). */
export function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

/**
 * WebGPU under Node: Dawn's bindings (the `webgpu` npm package, prebuilt for linux-x64) provide
 * navigator.gpu, then @tensorflow/tfjs-backend-webgpu registers itself. Evaluated here: both install and
 * load, but without a GPU (or a Vulkan driver) Dawn finds no adapter, which is reported as unavailable.
 */
async function startWebgpu(): Promise<void> {
  // Names kept in variables: these packages are optional and not dependencies of the project.
  const dawnPackage = 'webgpu';
  const backendPackage = '@tensorflow/tfjs-backend-webgpu';
  let gpu: { requestAdapter(): Promise<unknown> };
  try {
    const dawn = (await import(dawnPackage)) as {
      create(flags: string[]): typeof gpu;
      globals: Record<string, unknown>;
    };
    Object.assign(globalThis, dawn.globals);
    gpu = dawn.create([]);
    const nav = (globalThis as { navigator?: object }).navigator;
    if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    await import(backendPackage);
  } catch (cause) {
    throw new AppError(
      trainErrorCodes.backendUnavailable,
      `webgpu backend needs the optional packages ${dawnPackage} and ${backendPackage} (not installed or not loadable here); use wasm`,
      { retriable: false, cause },
    );
  }
  if (!(await gpu.requestAdapter())) {
    throw new AppError(
      trainErrorCodes.backendUnavailable,
      'webgpu: no GPU adapter found (no GPU or no Vulkan driver); use wasm',
      {
        retriable: false,
      },
    );
  }
}

export async function initBackend(kind: BackendKind, options: BackendOptions = {}): Promise<string> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ValidationError(`threads must be a positive integer, got ${threads}`);
  }
  // the project's kernels (wasm gradient kernels, fused batch norm for wasm and cpu) and their gradients
  registerTrainingKernels();
  if (kind === 'wasm') {
    if (threads !== 1) {
      throw new ValidationError('tfjs wasm runs single-threaded under Node; use workers for more cores');
    }
    if (!tf.findBackend('wasm') || tf.getBackend() !== 'wasm') {
      if (!tf.engine().registryFactory['wasm']) {
        throw new AppError(trainErrorCodes.backendUnavailable, 'tfjs-backend-wasm is not registered', {
          retriable: false,
        });
      }
      if (!tf.findBackend('wasm')) setWasmPaths(wasmBinaryFolder());
    }
  } else if (kind === 'webgpu') {
    if (!tf.engine().registryFactory['webgpu']) await startWebgpu();
  } else if (kind !== 'cpu') {
    throw new ValidationError(`unknown backend ${String(kind)} (wasm | cpu | webgpu)`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(kind);
  } catch (cause) {
    throw new AppError(trainErrorCodes.backendUnavailable, `tfjs backend ${kind} failed to start`, {
      retriable: false,
      cause,
    });
  }
  if (!ok || tf.getBackend() !== kind) {
    throw new AppError(
      trainErrorCodes.backendUnavailable,
      `tfjs backend ${kind} failed to start (active: ${tf.getBackend()})`,
      {
        retriable: false,
      },
    );
  }
  return tf.getBackend();
}
