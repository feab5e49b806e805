import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

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

/** `json`: one JSON object a line; `pretty`: readable lines (pino-pretty); `auto`: pretty when stdout is a terminal. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
  level: LogLevel;
  /** Default `json`. */
  format?: LogFormat;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
  /** Whether stdout is a terminal, for `auto`; default `process.stdout.isTTY`. */
  isTerminal?: boolean;
}

/**
 * The trace and span of the active OpenTelemetry context, added to every line written inside a
 * traced request. Without tracing the context is the root one: no span, nothing added.
 */
function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? { traceId: sc.traceId, spanId: sc.spanId } : {};
}

/** The format `auto` resolves to. */
export function resolveLogFormat(format: LogFormat, isTerminal: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTerminal ? 'pretty' : 'json') : format;
}

/** A pino logger: JSON lines, or readable lines through pino-pretty (in-process, synchronous). */
export function createLogger(options: LoggerOptions): Logger {
  const format = resolveLogFormat(options.format ?? 'json', options.isTerminal ?? process.stdout.isTTY === true);
  const destination =
    format === 'pretty'
      ? pretty({ sync: true, colorize: options.destination === undefined && process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', destination: options.destination ?? 1 })
      : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  const p = pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
    },
    destination,
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
