import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { SqliteAlertStore, type AlertStore } from '../../shared/alerts/index.js';
import { alertStoreContract } from './alert-store.contract.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function openSqliteAlertStore(): Promise<AlertStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'alert-store-contract-'));
  dirs.push(dir);
  // a folder that does not exist yet: open creates it
  return SqliteAlertStore.open({ path: path.join(dir, 'nested', 'alerts.db') });
}

alertStoreContract('sqlite', openSqliteAlertStore);
