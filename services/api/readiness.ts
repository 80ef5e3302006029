import type { HealthCheck } from '../../shared/metrics/index.js';
import { SERVING_ALIAS } from '../../shared/store/index.js';
import type { ApiDeps } from './api-deps.js';

/**
 * What the API needs to answer: the vector store reachable, the alert store and the key store open. A check that
 * throws counts as failed (/readyz reports which).
 */
export function apiReadinessChecks(deps: Pick<ApiDeps, 'store' | 'alerts' | 'keys'>): HealthCheck[] {
  return [
    { name: 'vector-store', check: async () => (await deps.store.getAlias(SERVING_ALIAS), true) },
    // an id that is no sequence number reads nothing, but a closed or broken store still fails
    { name: 'alert-store', check: async () => (await deps.alerts.getAlert('0'), true) },
    { name: 'api-keys', check: async () => deps.keys.ping() },
  ];
}

/** Runs every check at once; a failure is `ok: false` with its reason logged by the caller. */
export async function runChecks(
  checks: HealthCheck[],
  onFailure: (name: string, error: unknown) => void,
): Promise<Array<{ name: string; ok: boolean }>> {
  return Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        return { name, ok: await check() };
      } catch (error) {
        onFailure(name, error);
        return { name, ok: false };
      }
    }),
  );
}
