import { pino, type DestinationStream } from 'pino';

/** Structured logger passed to every component; `child` adds bindings such as the component name. */
export interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
  /** Writes out anything buffered (called last during shutdown). */
  flush(): void;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** JSON lines logger (pino) writing to `destination` (stdout by default). */
export function createJsonLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const p = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return wrap(p);
}

function wrap(p: pino.Logger): Logger {
  return {
    error: (o, m) => p.error(o, m),
    warn: (o, m) => p.warn(o, m),
    info: (o, m) => p.info(o, m),
    debug: (o, m) => p.debug(o, m),
    child: (b) => wrap(p.child(b)),
    flush: () => p.flush(),
  };
}

/** Discards everything; the default in tests. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
  flush: () => undefined,
};

/** Serialises an unknown thrown value for a log line. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { err: { type: err.name, message: err.message, stack: err.stack } };
  return { err: String(err) };
}
