import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../../shared/config/index.js';

/** trainer.backend / device / python: what the periodic trainer hands runTraining. */
describe('trainer backend config', () => {
  it('defaults to wasm, cpu and /usr/bin/python3', () => {
    const { trainer } = loadConfig({});
    assert.deepEqual([trainer.backend, trainer.device, trainer.python], ['wasm', 'cpu', '/usr/bin/python3']);
  });

  it('takes TRAINER_BACKEND, TRAINER_DEVICE and TRAINER_PYTHON', () => {
    const { trainer } = loadConfig({
      TRAINER_BACKEND: 'torch',
      TRAINER_DEVICE: 'cuda',
      TRAINER_PYTHON: '/opt/py/bin/python3',
    });
    assert.deepEqual([trainer.backend, trainer.device, trainer.python], ['torch', 'cuda', '/opt/py/bin/python3']);
  });

  it('refuses an unknown backend or device, naming the variable', () => {
    assert.throws(
      () => loadConfig({ TRAINER_BACKEND: 'tensorflow' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /TRAINER_BACKEND/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ TRAINER_DEVICE: 'tpu' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /TRAINER_DEVICE/);
        return true;
      },
    );
  });
});
