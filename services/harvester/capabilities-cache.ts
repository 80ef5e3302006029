import { capabilitiesUrl, parseCapabilities, type Capabilities } from '../../shared/gibs/index.js';
import type { GibsClient } from './http/index.js';
import type { Logger } from '../../shared/log/index.js';

export interface CapabilitiesCache {
  /** the parsed capabilities, fetched at most once per TTL; concurrent callers share one request */
  get(signal?: AbortSignal): Promise<Capabilities>;
}

/**
 * The harvester validates every request against GIBS's own capabilities (layers, time ranges, tile matrix
 * sets). The document is large (megabytes), so it is fetched once and reused for a short while.
 */
export function createCapabilitiesCache(
  gibs: GibsClient,
  options: { ttlMs: number; log: Logger; now?: () => number },
): CapabilitiesCache {
  const now = options.now ?? Date.now;
  let cached: { at: number; value: Capabilities } | undefined;
  let inFlight: Promise<Capabilities> | undefined;

  const load = async (signal?: AbortSignal): Promise<Capabilities> => {
    const started = now();
    const xml = await gibs.fetchText(capabilitiesUrl(gibs.baseUrl), { signal });
    const value = parseCapabilities(xml);
    if (value.problems.length > 0) {
      options.log.warn(
        { problems: value.problems.slice(0, 20), count: value.problems.length },
        'capabilities: some layers were left out',
      );
    }
    options.log.debug({ layers: value.layers.size, ms: now() - started }, 'capabilities loaded');
    cached = { at: now(), value };
    return value;
  };

  return {
    get(signal) {
      if (cached && now() - cached.at < options.ttlMs) return Promise.resolve(cached.value);
      inFlight ??= load(signal).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
