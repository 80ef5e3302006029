import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { describeIssues, formatKey } from './describe-issues.js';
import { configSchema, type Config } from './schema.js';
import { envVars, type EnvVar } from './env-vars.js';

/** A wrong configuration value (declared in shared/errors): the CLI turns it into exit status 2 with its message. */
export { ConfigError };

export interface LoadConfigOptions {
  /** a JSON config file; GIBS_EMBED_CONFIG names one too (the option wins) */
  file?: string;
  /** values from CLI flags, applied last (dotted keys, e.g. { 'gibs.baseUrl': '...' }) */
  overrides?: Record<string, unknown>;
  /** base for relative paths; the current directory by default */
  cwd?: string;
}

type Source = { kind: 'default' } | { kind: 'file'; file: string } | { kind: 'env'; name: string } | { kind: 'flag' };
type Tree = Record<string, unknown>;

/**
 * The only reader of process.env (callers pass it in): defaults < config file < environment < flags.
 * Returns a deeply frozen, fully resolved Config or throws ConfigError naming the key, the value and
 * what is allowed.
 */
export function loadConfig(env: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const sources = new Map<string, Source>();
  const file = options.file ?? env.GIBS_EMBED_CONFIG;
  const raw: Tree = file ? readConfigFile(path.resolve(cwd, file)) : {};
  if (file) for (const key of leafKeys(raw)) sources.set(key, { kind: 'file', file });

  for (const variable of envVars) {
    const text = env[variable.name];
    if (text === undefined || text === '') continue;
    setPath(raw, variable.key, parseEnvValue(variable, text));
    sources.set(variable.key, { kind: 'env', name: variable.name });
  }
  // No BUS_KIND: the bus slice picks the backend from the keys given (KAFKA_BROKERS → kafka, else sqlite).
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(raw, key, value);
    sources.set(key, { kind: 'flag' });
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeConfigIssues(parsed.error.issues, raw, sources), parsed.error);
  return deepFreeze(resolvePaths(parsed.data, cwd));
}

function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`, error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`config file ${file} must hold a JSON object`);
  return value as Tree;
}

function parseEnvValue(variable: EnvVar, text: string): unknown {
  const fail = (allowed: string): never => {
    throw new ConfigError(`${variable.name}=${JSON.stringify(text)} (config key ${variable.key}): expected ${allowed}`);
  };
  switch (variable.parse) {
    case 'string':
      return text;
    case 'number': {
      const n = Number(text);
      return Number.isFinite(n) && text.trim() !== '' ? n : fail('a number');
    }
    case 'boolean': {
      const t = text.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off'].includes(t)) return false;
      return fail('true or false');
    }
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        return fail('valid JSON');
      }
  }
}

function describeConfigIssues(issues: z.core.$ZodIssue[], raw: Tree, sources: Map<string, Source>): string {
  const lines = describeIssues(issues, raw, (at) => {
    const key = formatKey(at);
    const source = findSource(sources, at.join('.'));
    if (source?.kind === 'env') return `${source.name} (config key ${key})`;
    if (source?.kind === 'file') return `${key} in ${source.file}`;
    return key;
  });
  return `invalid configuration:\n  ${lines.join('\n  ')}`;
}

function findSource(sources: Map<string, Source>, key: string): Source | undefined {
  for (let k = key; k; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
    const source = sources.get(k);
    if (source) return source;
  }
  return undefined;
}

function resolvePaths(config: Config, cwd: string): Config {
  const dataDir = path.resolve(cwd, config.dataDir);
  const under = (value: string, fallback: string) => path.resolve(cwd, value || path.join(dataDir, fallback));
  return {
    ...config,
    dataDir,
    bus: config.bus.kind === 'sqlite' ? { ...config.bus, path: under(config.bus.path, 'bus.db') } : config.bus,
    blobs: { ...config.blobs, root: under(config.blobs.root, 'blobs') },
    store:
      config.store.kind === 'lancedb' ? { ...config.store, path: under(config.store.path, 'vectors') } : config.store,
    model: { ...config.model, registryDir: under(config.model.registryDir, 'models') },
    alerter: { ...config.alerter, dbPath: under(config.alerter.dbPath, 'alerts.db') },
    api: { ...config.api, keysPath: under(config.api.keysPath, 'api-keys.db') },
  };
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1]] = value;
}

function leafKeys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
      ? leafKeys(value as Tree, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
