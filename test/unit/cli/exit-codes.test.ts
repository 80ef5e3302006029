import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortedError,
  AppError,
  ConfigError,
  RetriesExhaustedError,
  ValidationError,
  errorCodes,
} from '../../../shared/errors/index.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, exitCodeFor } from '../../../services/cli/exit-codes.js';

describe('exitCodeFor', () => {
  it('maps every ValidationError to 2, whatever its code', () => {
    assert.equal(exitCodeFor(new ValidationError('bad bbox', { code: 'BAD_BBOX' })), EXIT_USAGE);
    assert.equal(exitCodeFor(new ConfigError('gibs.concurrency=99')), EXIT_USAGE);
    assert.equal(exitCodeFor(new ValidationError('plain')), EXIT_USAGE);
  });

  it('maps cancellation to 130 and everything else to 1', () => {
    assert.equal(exitCodeFor(new AbortedError()), EXIT_INTERRUPTED);
    assert.equal(exitCodeFor(new AppError('BLOB_IO', 'disk full', { retriable: true })), EXIT_FAILED);
    assert.equal(exitCodeFor(new RetriesExhaustedError(3, new Error('503'))), EXIT_FAILED);
    assert.equal(exitCodeFor(new Error('boom')), EXIT_FAILED);
    assert.equal(exitCodeFor('a string'), EXIT_FAILED);
  });

  it('uses the declared codes when the class was lost (an error rebuilt from a worker thread message)', () => {
    assert.equal(exitCodeFor(new AppError(errorCodes.validation, 'from a worker', { retriable: false })), EXIT_USAGE);
    assert.equal(exitCodeFor(new AppError(errorCodes.config, 'from a worker', { retriable: false })), EXIT_USAGE);
    assert.equal(
      exitCodeFor(new AppError(errorCodes.aborted, 'from a worker', { retriable: false })),
      EXIT_INTERRUPTED,
    );
  });

  it('does not go by error.name: an error merely named ValidationError is a failure, not a usage error', () => {
    const impostor = new AppError('LEDGER_IO', 'disk failed', { retriable: false });
    impostor.name = 'ValidationError';
    assert.equal(exitCodeFor(impostor), EXIT_FAILED);
  });
});
