export {
  errnoOf,
  isErrno,
  isTransientErrno,
  ioError,
  sha256Hex,
  writeFileSynced,
  fsyncPath,
  removeAfterFailure,
} from './durable-fs.js';
