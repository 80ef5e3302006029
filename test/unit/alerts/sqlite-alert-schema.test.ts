import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { alertErrorCodes, SqliteAlertStore } from '../../../shared/alerts/index.js';
import { mapAlertSqliteError } from '../../../shared/alerts/sqlite-alert-op.js';
import { ALERT_SCHEMA_VERSION } from '../../../shared/alerts/sqlite-alert-schema.js';
import { AppError, ValidationError } from '../../../shared/errors/index.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'alert-schema-'));
  dirs.push(dir);
  return path.join(dir, 'alerts.db');
}

async function openError(file: string): Promise<AppError> {
  try {
    await SqliteAlertStore.open({ path: file });
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return error;
  }
  return assert.fail('open succeeded');
}

describe('SqliteAlertStore file', () => {
  it('keeps what it wrote across a close and a reopen (durable, schema version set once)', async () => {
    const file = await tempFile();
    const first = await SqliteAlertStore.open({ path: file });
    const { rule, webhookSecret } = await first.createRule(
      {
        name: 'n',
        references: [{ kind: 'image', label: 'a', bytes: new Uint8Array([7]) }],
        threshold: 0,
        cooldownSeconds: 0,
        enabled: true,
      },
      new Date(0),
    );
    await first.close();
    const again = await SqliteAlertStore.open({ path: file });
    assert.deepEqual(await again.getRule(rule.id), rule);
    assert.equal(await again.webhookSecret(rule.id), webhookSecret);
    await again.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), ALERT_SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });

  it('refuses a file of a newer schema version', async () => {
    const file = await tempFile();
    await (await SqliteAlertStore.open({ path: file })).close();
    const db = new Database(file);
    db.pragma(`user_version = ${ALERT_SCHEMA_VERSION + 1}`);
    db.close();
    const error = await openError(file);
    assert.equal(error.code, alertErrorCodes.schemaMismatch);
    assert.equal(error.retriable, false);
  });

  it('refuses a database that is not an alert store, and a file that is not a database', async () => {
    const other = await tempFile();
    const db = new Database(other);
    db.exec('CREATE TABLE something_else (x)');
    db.close();
    assert.equal((await openError(other)).code, alertErrorCodes.corrupt);

    const garbage = await tempFile();
    await writeFile(garbage, Buffer.alloc(8192, 0x5a));
    const error = await openError(garbage);
    assert.equal(error.code, alertErrorCodes.corrupt);
    assert.equal(error.retriable, false);
  });

  it('refuses a missing path and maps driver errors to retriable or not', async () => {
    await assert.rejects(SqliteAlertStore.open({ path: '' }), ValidationError);
    const busy = mapAlertSqliteError(new Database.SqliteError('database is locked', 'SQLITE_BUSY'), 'x');
    assert.equal(busy.code, alertErrorCodes.busy);
    assert.equal(busy.retriable, true);
    const full = mapAlertSqliteError(new Database.SqliteError('disk full', 'SQLITE_FULL'), 'x');
    assert.deepEqual([full.code, full.retriable], [alertErrorCodes.io, true]);
    const readonly = mapAlertSqliteError(new Database.SqliteError('ro', 'SQLITE_READONLY'), 'x');
    assert.deepEqual([readonly.code, readonly.retriable], [alertErrorCodes.io, false]);
    const bug = mapAlertSqliteError(new Database.SqliteError('syntax', 'SQLITE_ERROR'), 'x');
    assert.deepEqual([bug.code, bug.retriable], [alertErrorCodes.failed, false]);
    assert.ok(bug.cause instanceof Database.SqliteError);
  });
});
