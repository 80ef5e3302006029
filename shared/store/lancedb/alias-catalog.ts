import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { fsyncPath, isErrno, writeFileSynced } from '../../fs/index.js';
import { storeError, storeErrorCodes } from '../store-errors.js';
import { mapLanceError } from './lance-op.js';

export const ALIAS_FILE = 'aliases.json';

interface AliasDocument {
  version: 1;
  aliases: Record<string, string>;
}

/**
 * The aliases of one store folder: a small JSON document replaced atomically (written to a temp file, fsynced,
 * renamed over the old one, folder fsynced), so a reader in any process sees the old or the new document,
 * never a torn one. Writers serialise through the store's writer lock; this class does not lock.
 */
export class AliasCatalog {
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = path.join(dir, ALIAS_FILE);
  }

  async read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return {};
      throw mapLanceError(error, 'reading aliases');
    }
    let doc: AliasDocument;
    try {
      doc = JSON.parse(text) as AliasDocument;
    } catch (error) {
      throw storeError(storeErrorCodes.corrupt, `${this.file} is not JSON`, { cause: error });
    }
    const aliases = doc?.aliases;
    const valid =
      doc?.version === 1 &&
      typeof aliases === 'object' &&
      aliases !== null &&
      Object.values(aliases).every((v) => typeof v === 'string');
    if (!valid) throw storeError(storeErrorCodes.corrupt, `${this.file} is not an alias document`);
    return { ...aliases };
  }

  async write(aliases: Record<string, string>): Promise<void> {
    const doc: AliasDocument = { version: 1, aliases };
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      await writeFileSynced(temp, `${JSON.stringify(doc, null, 2)}\n`);
      await rename(temp, this.file);
      await fsyncPath(this.dir);
    } catch (error) {
      throw mapLanceError(error, 'writing aliases');
    }
  }
}
