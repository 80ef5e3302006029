import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on an ES module. Node cannot start a worker on a `.ts` file even when the parent
 * runs under tsx (the inherited `--import tsx` does not apply to the worker's entry), so a `.ts` entry is
 * loaded through tsx's `tsImport` from a tiny eval bootstrap; a compiled `.js` entry starts directly.
 */
export function startModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}))`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [] });
}
