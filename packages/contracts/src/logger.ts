import { pino, type Logger, type LoggerOptions } from 'pino';

export type LogFormat = 'pretty' | 'json';

/**
 * How the processes log: `LOG_FORMAT` when set, else pretty for a person at a terminal and JSON
 * for anything that reads the output. The launcher pipes its children's output, so it decides
 * with this and passes the answer down as `LOG_FORMAT`.
 */
export function logFormat(
  env: Readonly<Record<string, string | undefined>> = process.env,
  isTTY: boolean = process.stdout.isTTY,
): LogFormat {
  if (env.LOG_FORMAT === 'pretty' || env.LOG_FORMAT === 'json') return env.LOG_FORMAT;
  return isTTY ? 'pretty' : 'json';
}

/** A process's root logger, in the format `logFormat()` picks; pretty printing is pino's own transport. */
export function createLogger(options: LoggerOptions & { level: string }): Logger {
  if (logFormat() === 'json') return pino(options);
  return pino({
    ...options,
    transport: {
      target: 'pino-pretty',
      // Colours: a pretty format means a terminal at the end, if maybe behind the launcher's pipe.
      options: {
        colorize: true,
        singleLine: true,
        ignore: 'pid,hostname',
        translateTime: 'SYS:HH:MM:ss.l',
      },
    },
  });
}
