import type { Command } from 'commander';
import { ValidationError } from '../../../shared/errors/index.js';
import type { ApiKeyInfo, ApiKeyStore, Role } from '../../api/index.js';
import { createContext, type GlobalOptions } from '../context.js';
import { choiceFlag } from '../flags.js';

const ROLE_CHOICES: readonly Role[] = ['read', 'write', 'admin'];

/** `gibs-embed apikey create|list|revoke`: the API's keys, in the key store the API reads (api.keysPath). */
export function registerApikeyCommand(program: Command): void {
  const apikey = program
    .command('apikey')
    .description('create, list and revoke API keys (stored hashed in api.keysPath, default DATA_DIR/api-keys.db)');

  apikey
    .command('create')
    .description('create a key; it is printed once and cannot be shown again')
    .requiredOption('--role <role>', `read, write or admin (each includes the ones before)`, choiceFlag(ROLE_CHOICES))
    .option('--name <name>', 'what the key is for, e.g. "ci" or an owner', '')
    .option('--json', 'print {"id", "key", "role", "name"} on stdout')
    .action(async (flags: { role: Role; name: string; json?: boolean }) =>
      withKeys(program, (keys) => {
        const created = keys.create(flags.role, flags.name);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(created)}\n`
            : `created API key ${created.id} (role ${created.role}${created.name ? `, name "${created.name}"` : ''});` +
                ` store it now, it is not shown again:\n${created.key}\n`,
        );
      }),
    );

  apikey
    .command('list')
    .description('the keys (never their secrets): id, role, name, created, last used')
    .option('--all', 'include revoked keys')
    .option('--json', 'print {"keys": [{"id", "name", "role", "createdAt", "lastUsedAt", "revoked"}]} on stdout')
    .action(async (flags: { all?: boolean; json?: boolean }) =>
      withKeys(program, (keys) => {
        const list = keys.list({ includeRevoked: flags.all === true });
        process.stdout.write(flags.json ? `${JSON.stringify({ keys: list })}\n` : formatKeys(list));
      }),
    );

  apikey
    .command('revoke')
    .description('revoke a key: requests with it are refused from the next one on')
    .argument('<id>', 'the key id (from apikey list)')
    .action(async (id: string) =>
      withKeys(program, (keys) => {
        if (!keys.revoke(id)) throw new ValidationError(`no API key ${id} (or it is revoked already); see apikey list`);
        process.stdout.write(`revoked API key ${id}\n`);
      }),
    );
}

async function withKeys(program: Command, use: (keys: ApiKeyStore) => void): Promise<void> {
  const { config } = createContext(program.opts<GlobalOptions>(), {}, { writesData: true });
  // loaded when the command runs: the API's modules (Fastify) stay out of every other command
  const { ApiKeyStore } = await import('../../api/index.js');
  const keys = ApiKeyStore.open(config.api.keysPath);
  try {
    use(keys);
  } finally {
    keys.close();
  }
}

function formatKeys(keys: ApiKeyInfo[]): string {
  if (keys.length === 0) return 'no API keys (create one with gibs-embed apikey create --role read)\n';
  const header = ['id', 'role', 'name', 'created', 'last used', ...(keys.some((k) => k.revoked) ? ['revoked'] : [])];
  const rows = keys.map((k) => [
    k.id,
    k.role,
    k.name || '-',
    k.createdAt.slice(0, 19).replace('T', ' '),
    k.lastUsedAt ? k.lastUsedAt.slice(0, 19).replace('T', ' ') : 'never',
    ...(header.length > 5 ? [k.revoked ? 'yes' : 'no'] : []),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
