import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { repositoryRoot } from '../../support/data-kit.js';

// The project's own eslint.config.js, run on small sources placed at virtual paths in the real tree: the import
// targets are real files, so the resolver and the zones are exercised exactly as `npm run lint` does.
const boundaryRule = 'import-x/no-restricted-paths';

let eslint: ESLint;

async function lint(filePath: string, code: string): Promise<ESLint.LintResult['messages']> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages;
}

async function boundaryMessages(filePath: string, code: string): Promise<string[]> {
  const messages = await lint(filePath, code);
  const fatal = messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${filePath} must parse`);
  return messages.filter((m) => m.ruleId === boundaryRule).map((m) => m.message);
}

async function assertViolation(filePath: string, code: string, reason: RegExp): Promise<void> {
  const found = await boundaryMessages(filePath, code);
  assert.equal(found.length, 1, `${filePath}: expected one boundary error, got ${JSON.stringify(found)}`);
  assert.match(found[0], reason);
}

async function assertAllowed(filePath: string, code: string): Promise<void> {
  const messages = await lint(filePath, code);
  const problems = messages.filter(
    (m) => m.fatal || m.ruleId === boundaryRule || m.ruleId === 'import-x/no-unresolved',
  );
  assert.deepEqual(problems, [], `${filePath} should pass the boundary rules`);
}

const crossService = /services never import each other/;
const cliEntryPoints = /entry point/;
const sharedBelowServices = /shared\/ is below every service/;
const testsOnly = /test\/ is imported by tests only/;
const tfjsInTrainerOnly = /@tensorflow\/\* is training code/;

describe('import boundaries (eslint.config.js)', () => {
  before(() => {
    eslint = new ESLint({ cwd: repositoryRoot() });
  });

  describe('reports', () => {
    it('shared/ importing a service', async () => {
      await assertViolation(
        'shared/x/bad.ts',
        "import { x } from '../../services/harvester/index.js';\nexport const y = x;\n",
        sharedBelowServices,
      );
      await assertViolation(
        'shared/x/bad.ts',
        "export { x } from '../../services/replay/index.js';\n",
        sharedBelowServices,
      );
    });

    it('shared/ importing test/', async () => {
      await assertViolation(
        'shared/x/bad.ts',
        "import { kit } from '../../test/support/data-kit.js';\nexport const y = kit;\n",
        testsOnly,
      );
    });

    it('a service importing another service, its entry point included', async () => {
      await assertViolation(
        'services/harvester/bad.ts',
        "import { x } from '../trainer/index.js';\nexport const y = x;\n",
        crossService,
      );
      await assertViolation(
        'services/trainer/bad.ts',
        "import { x } from '../harvester/harvester.js';\nexport const y = x;\n",
        crossService,
      );
      await assertViolation(
        'services/replay/bad.ts',
        "export const y = await import('../harvester/main.js');\n",
        crossService,
      );
    });

    it('a service importing the composition root', async () => {
      await assertViolation(
        'services/harvester/bad.ts',
        "import { x } from '../cli/context.js';\nexport const y = x;\n",
        crossService,
      );
    });

    it('services/cli reaching past a service entry point', async () => {
      await assertViolation(
        'services/cli/bad.ts',
        "import { x } from '../harvester/harvester.js';\nexport const y = x;\n",
        cliEntryPoints,
      );
      await assertViolation(
        'services/cli/commands/bad.ts',
        "import { x } from '../../trainer/train/index.js';\nexport const y = x;\n",
        cliEntryPoints,
      );
    });

    it('product code importing test/', async () => {
      await assertViolation(
        'services/cli/bad.ts',
        "import { kit } from '../../test/support/data-kit.js';\nexport const y = kit;\n",
        testsOnly,
      );
      await assertViolation(
        'bin/bad.js',
        "import { kit } from '../test/support/data-kit.js';\nexport const y = kit;\n",
        testsOnly,
      );
    });

    it('shared/model importing training code', async () => {
      await assertViolation(
        'shared/model/bad.ts',
        "import * as tf from '@tensorflow/tfjs';\nexport const y = tf;\n",
        tfjsInTrainerOnly,
      );
      await assertViolation(
        'shared/model/infer/bad.ts',
        "export const y = await import('@tensorflow/tfjs-backend-wasm');\n",
        tfjsInTrainerOnly,
      );
      await assertViolation(
        'shared/model/bad.ts',
        "import { x } from '../../services/trainer/index.js';\nexport const y = x;\n",
        sharedBelowServices,
      );
    });

    it('@tensorflow/* anywhere outside services/trainer', async () => {
      await assertViolation(
        'services/harvester/bad.ts',
        "import * as tf from '@tensorflow/tfjs';\nexport const y = tf;\n",
        tfjsInTrainerOnly,
      );
      await assertViolation(
        'services/cli/bad.ts',
        "import type { Tensor } from '@tensorflow/tfjs';\nexport type Y = Tensor;\n",
        tfjsInTrainerOnly,
      );
      await assertViolation('shared/bus/bad.ts', "import '@tensorflow/tfjs-backend-wasm';\n", tfjsInTrainerOnly);
    });

    it('an import the resolver cannot follow (so no boundary can be skipped silently)', async () => {
      const messages = await lint(
        'shared/x/bad.ts',
        "import { x } from '../../services/nowhere/index.js';\nexport const y = x;\n",
      );
      assert.deepEqual(
        messages.map((m) => m.ruleId),
        ['import-x/no-unresolved'],
      );
    });
  });

  describe('allows', () => {
    it('services/cli importing each service entry point and shared/', async () => {
      await assertAllowed(
        'services/cli/ok.ts',
        [
          "import { a } from '../harvester/index.js';",
          "import { b } from '../harvester/main.js';",
          "import { c } from '../trainer/index.js';",
          "import { d } from '../replay/index.js';",
          "import { e } from '../../shared/errors/index.js';",
          "import { f } from './context.js';",
          'export const y = [a, b, c, d, e, f];',
          '',
        ].join('\n'),
      );
    });

    it('a service importing its own files and shared/', async () => {
      await assertAllowed(
        'services/harvester/ok.ts',
        [
          "import { a } from './harvester.js';",
          "import { b } from '../../shared/errors/index.js';",
          'export const y = [a, b];',
        ].join('\n'),
      );
    });

    it('the trainer importing @tensorflow/* and shared/model', async () => {
      await assertAllowed(
        'services/trainer/train/ok.ts',
        [
          "import * as tf from '@tensorflow/tfjs';",
          "import { a } from '../../../shared/model/onnx/index.js';",
          'export const y = [tf, a];',
        ].join('\n'),
      );
    });

    it('shared/ importing shared/', async () => {
      await assertAllowed('shared/model/ok.ts', "import { a } from '../errors/index.js';\nexport const y = a;\n");
    });

    it('tests importing anything', async () => {
      await assertAllowed(
        'test/unit/x/ok.test.ts',
        [
          "import { a } from '../../../services/harvester/harvester.js';",
          "import { b } from '../../../services/trainer/train/index.js';",
          "import * as tf from '@tensorflow/tfjs';",
          "import { kit } from '../../support/data-kit.js';",
          "import { c } from '../../../shared/model/onnx/index.js';",
          'export const y = [a, b, tf, kit, c];',
          '',
        ].join('\n'),
      );
    });
  });
});
