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
  /** Lines dropped so far because the stdout buffer was full (loggers that never drop omit it). */
  droppedLines?(): number;
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
  /** JSON lines to stdout: bytes buffered before lines are dropped; default 16 MiB. */
  maxBufferBytes?: number;
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

/**
 * A pino logger: JSON lines, or readable lines through pino-pretty (in-process, synchronous).
 * JSON lines to stdout go through an asynchronous, bounded buffer: a stdout that a slow reader
 * keeps full delays lines, never the event loop (a synchronous write sleeps while the pipe is
 * full), and lines beyond `maxBufferBytes` are dropped and counted (`droppedLines`).
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = resolveLogFormat(options.format ?? 'json', options.isTerminal ?? process.stdout.isTTY === true);
  let stdout: SonicBoom | undefined;
  let destination: DestinationStream;
  let dropped = 0;
  if (format === 'pretty') {
    destination = pretty({ sync: true, colorize: options.destination === undefined && process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', destination: options.destination ?? 1 });
  } else if (options.destination !== undefined) {
    destination = options.destination;
  } else {
    stdout = pino.destination({ dest: 1, sync: false, maxLength: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES });
    stdout.on('drop', () => {
      dropped += 1;
    });
    // stdout closed by its reader (EPIPE): there is nowhere left to write; the node goes on.
    stdout.on('error', () => undefined);
    destination = stdout;
  }
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
  return wrap(p, stdout === undefined ? () => p.flush() : flushSyncOf(stdout), () => dropped);
}

const DEFAULT_MAX_BUFFER_BYTES = 16 * 1024 * 1024;

type SonicBoom = ReturnType<typeof pino.destination>;

/** Writes out what the stdout buffer holds before the process exits; a write that fails is given up. */
function flushSyncOf(stdout: SonicBoom): () => void {
  return () => {
    try {
      stdout.flushSync();
    } catch {
      // stdout is gone or not ready: nothing more can be written
    }
  };
}

function wrap(p: pino.Logger, flush: () => void, droppedLines: () => number): Logger {
  return {
    droppedLines,
    error: (o, m) => p.error(o, m),
    warn: (o, m) => p.warn(o, m),
    info: (o, m) => p.info(o, m),
    debug: (o, m) => p.debug(o, m),
    child: (b) => wrap(p.child(b), flush, droppedLines),
    flush,
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
