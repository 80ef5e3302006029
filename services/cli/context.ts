import type { Registry } from 'prom-client';
import { checkDataDir, loadConfig, type Config } from '../../shared/config/index.js';
import { createLogger, type Logger } from '../../shared/log/index.js';
import { createMetricsRegistry } from '../../shared/metrics/index.js';

/** What every command gets: the effective config, the root logger and the process's metrics registry. */
export interface CliContext {
  config: Config;
  log: Logger;
  registry: Registry;
}

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  logLevel?: string;
}

export interface ContextOptions {
  /** the command writes under config.dataDir: check it before any adapter creates something there */
  writesData?: boolean;
}

/** The composition root's first step: parse config once (fail fast), then build logger and registry. */
export function createContext(
  global: GlobalOptions,
  overrides: Record<string, unknown> = {},
  options: ContextOptions = {},
): CliContext {
  const config = loadConfig(process.env, {
    file: global.config,
    overrides: { dataDir: global.dataDir, 'log.level': global.logLevel, ...overrides },
  });
  if (options.writesData) checkDataDir(config.dataDir);
  const log = createLogger({ level: config.log.level, pretty: config.log.pretty ?? Boolean(process.stderr.isTTY) });
  return { config, log, registry: createMetricsRegistry({ defaultMetrics: true }) };
}
