import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = PinoLogger;

export interface LogOptions {
  level: LevelWithSilent;
  /** pretty-print for humans; JSON otherwise (the default when stdout is not a TTY) */
  pretty: boolean;
}

/** The root logger; services get `root.child({ svc })`. Logs go to stderr so stdout stays for command output (--json). */
export function createLogger(options: LogOptions): Logger {
  if (options.pretty) {
    return pino({
      level: options.level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } },
    });
  }
  return pino({ level: options.level }, pino.destination(2));
}

/** A logger that discards everything; for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
