import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { repositoryRoot } from './data-kit.js';

export interface StartedProcess {
  child: ChildProcess;
  /** every JSON log line so far */
  logs: Array<Record<string, unknown>>;
  /** the page and API URL `start` logged ("web page and API at ..."), when the api ran */
  apiUrl: string | undefined;
  /** SIGINT, then the exit status (130 when drained) */
  stop(): Promise<number | null>;
}

/**
 * `gibs-embed start ARGS` in its own process as a user runs it, resolved once it logged "gibs-embed started"
 * (rejects with the log tail when it exits first or after `timeoutMs`).
 */
export async function startGibsEmbed(
  args: string[],
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<StartedProcess> {
  const root = repositoryRoot();
  const child = spawn(process.execPath, [path.join(root, 'bin/gibs-embed.js'), 'start', ...args], {
    cwd: root,
    env: { ...process.env, LOG_PRETTY: 'false', LOG_LEVEL: 'info', OPS_PORT: '0', API_PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs: Array<Record<string, unknown>> = [];
  let apiUrl: string | undefined;
  const lines = readline.createInterface({ input: child.stderr! });
  const started = new Promise<void>((resolve, reject) => {
    const tail = () =>
      logs
        .slice(-15)
        .map((l) => JSON.stringify(l))
        .join('\n');
    const timer = setTimeout(
      () => reject(new Error(`start did not start within ${options.timeoutMs ?? 120_000} ms:\n${tail()}`)),
      options.timeoutMs ?? 120_000,
    );
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`start exited with ${code} before it started:\n${tail()}`));
    });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      if (typeof entry.url === 'string' && String(entry.msg).startsWith('web page and API at')) apiUrl = entry.url;
      if (entry.msg === 'gibs-embed started') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  try {
    await started;
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  }
  return {
    child,
    logs,
    get apiUrl() {
      return apiUrl;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
