// ESLint flat config: typescript-eslint's recommended rules (not the type-checked set, so `npm run lint` stays
// fast; `npm run typecheck` is the type gate) plus the architecture's import boundaries from DESIGN.md.
// Formatting belongs to Prettier (`npm run format`); eslint-config-prettier switches off rules that would fight it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('.', import.meta.url));

// Every folder under services/ is a service; services/cli is the composition root that starts them. Read from disk
// so a new service (embedder, alerter, api) is fenced in the moment its folder exists.
const services = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const workers = services.filter((name) => name !== 'cli');

// import-x/no-restricted-paths works on resolved files, so `../trainer/index.js`, `./x.js` and dynamic import()
// are judged by where they land, not by how the specifier is spelled. A zone's `target` is the importing side.
const zones = [
  ...workers.map((name) => ({
    target: `services/${name}`,
    from: 'services',
    except: [`./${name}`],
    message: `services never import each other (in services/${name}): use a bus topic or a shared/ interface.`,
  })),
  {
    target: 'services/cli',
    from: 'services',
    except: ['./cli', ...workers.flatMap((name) => [`./${name}/index.ts`, `./${name}/main.ts`])],
    message:
      "services/cli composes services through each service's entry point (services/<name>/index.ts or main.ts) only.",
  },
  {
    target: 'shared',
    from: 'services',
    message: 'shared/ is below every service: it never imports services/.',
  },
  {
    // Everything outside test/: the product, the bin script and this config.
    target: ['services', 'shared', 'bin', 'eslint.config.js'],
    from: 'test',
    message: 'test/ is imported by tests only.',
  },
  {
    // Training code (and the tfjs runtime it needs) stays in the trainer: shared/model, the embedders and the CLI's
    // own code must load without TensorFlow.js. Tests are free to use it.
    target: ['shared', 'bin', ...services.filter((name) => name !== 'trainer').map((name) => `services/${name}`)],
    from: 'node_modules/@tensorflow',
    message: '@tensorflow/* is training code: import it only inside services/trainer.',
  },
];

export default defineConfig(
  {
    ignores: ['node_modules/', 'data/', 'bench/results/', '.tmp/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js'],
    plugins: { 'import-x': importX },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
      },
    },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: join(root, 'tsconfig.json') })],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // A specifier the resolver cannot follow would slip past the zones below, so it is an error of its own.
      'import-x/no-unresolved': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: root, zones }],
    },
  },
  prettier,
);
