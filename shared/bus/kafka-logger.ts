import kafkajs, { type logCreator } from 'kafkajs';
import type { Logger } from '../log/index.js';

const { logLevel } = kafkajs;

/** routes kafkajs' internal logs into our pino logger, keeping its namespace and fields */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...fields } = log;
      const entry = { ...fields, kafkajs: namespace };
      if (level === logLevel.ERROR) logger.error(entry, `kafkajs: ${message}`);
      else if (level === logLevel.WARN) logger.warn(entry, `kafkajs: ${message}`);
      else if (level === logLevel.INFO) logger.debug(entry, `kafkajs: ${message}`);
      else logger.trace(entry, `kafkajs: ${message}`);
    };
}
