import { execFile } from 'node:child_process';
import path from 'node:path';
import { repositoryRoot } from './data-kit.js';

export interface CliRun {
  /** exit status; a child killed by `timeoutMs` reports its signal's failure as 1 */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `gibs-embed ARGS` as a user runs it: bin/gibs-embed.js in its own process from the repository root, logs at
 * warn unless `env` says otherwise, never rejecting (a failing command is a result to assert on).
 */
export function runCli(args: string[], env: Record<string, string> = {}, options: { timeoutMs?: number } = {}) {
  const root = repositoryRoot();
  return new Promise<CliRun>((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin/gibs-embed.js'), ...args],
      {
        cwd: root,
        env: { ...process.env, LOG_LEVEL: 'warn', ...env },
        timeout: options.timeoutMs ?? 0,
        maxBuffer: 64 * 2 ** 20,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
