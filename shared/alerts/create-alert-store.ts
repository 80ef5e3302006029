import type { AlertStore } from './alert-store.js';
import { SqliteAlertStore } from './sqlite-alert-store.js';

/** The alert store half of the configuration (shared/config `alertStoreOptions`). */
export interface AlertStoreOptions {
  kind: 'sqlite';
  path: string;
}

/** The one place that picks the alert store backend; returns it opened. */
export async function createAlertStore(options: AlertStoreOptions): Promise<AlertStore> {
  return SqliteAlertStore.open({ path: options.path });
}
