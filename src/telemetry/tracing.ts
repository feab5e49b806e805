import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  trace,
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Reads one request header by its lower-case name. */
export type HeaderReader = (name: string) => string | undefined;

const headerGetter: TextMapGetter<HeaderReader> = {
  get: (read, key) => read(key),
  keys: () => ['traceparent', 'tracestate'],
};

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** Spans on a trace carry at most this many links (the SDK's default link limit). */
const MAX_LINKS = 128;

export interface TracingOptions {
  /** Where spans go; by default the global provider, i.e. the one the NodeSDK registered. */
  tracerProvider?: TracerProvider;
  /** Instrumentation scope version. */
  version?: string;
}

/**
 * The node's tracing facade: every span the product makes goes through it. Trace context is
 * read from and written to `traceparent` / `tracestate` (W3C Trace Context) whatever global
 * propagator is set; the current span follows the global context manager (the NodeSDK's
 * AsyncLocalStorage one).
 *
 * When disabled, every method returns at once without touching the OpenTelemetry API; callers on
 * hot paths check `enabled` first so that not even a closure is allocated.
 */
export class Tracing {
  /** The facade of a node without tracing. */
  static readonly disabled = new Tracing(undefined);

  readonly enabled: boolean;
  private readonly propagator = new W3CTraceContextPropagator();

  private constructor(private readonly tracer: Tracer | undefined) {
    this.enabled = tracer !== undefined;
  }

  /** An enabled facade. */
  static create(options: TracingOptions = {}): Tracing {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    return new Tracing(provider.getTracer('artemis', options.version));
  }

  /**
   * Starts the SERVER span of an incoming HTTP request, continuing the caller's trace when the
   * request carries `traceparent`. Name it for its route with `endServerSpan`.
   */
  startServerSpan(method: string, path: string, headers: HeaderReader): Span | undefined {
    if (this.tracer === undefined) return undefined;
    const parent = this.propagator.extract(ROOT_CONTEXT, headers, headerGetter);
    return this.tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } },
      parent,
    );
  }

  /** Names a server span after its matched route (`POST /api/registry/register.json`), records the status and ends it. */
  endServerSpan(span: Span, method: string, route: string | undefined, status: number): void {
    if (route !== undefined && route !== '*' && route !== '/*') {
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }

  /** Runs `fn` with `span` as the current span (so that writes made inside it can link to it). */
  withSpan<T>(span: Span, fn: () => T): T {
    return context.with(trace.setSpan(context.active(), span), fn);
  }

  /** The context of the current span, if there is a valid one. */
  currentSpanContext(): SpanContext | undefined {
    if (this.tracer === undefined) return undefined;
    const current = trace.getSpanContext(context.active());
    return current !== undefined && isSpanContextValid(current) ? current : undefined;
  }

  /**
   * Starts the CLIENT span of one replication request carrying writes of several client
   * requests: a child of the first of them (so it continues that trace) and linked to each.
   */
  startBatchSpan(name: string, attributes: Attributes, carried: ReadonlyArray<SpanContext | undefined>): Span | undefined {
    if (this.tracer === undefined) return undefined;
    const links: Link[] = [];
    const seen = new Set<string>();
    let parent: SpanContext | undefined;
    for (const sc of carried) {
      if (sc === undefined || seen.has(sc.spanId)) continue;
      seen.add(sc.spanId);
      parent ??= sc;
      if (links.length < MAX_LINKS) links.push({ context: sc });
    }
    const ctx = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
    return this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes, links }, ctx);
  }

  /** `traceparent` (and `tracestate`) headers that make the receiver continue `span`'s trace. */
  injectHeaders(span: Span): Record<string, string> {
    const headers: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, recordSetter);
    return headers;
  }

  /** Runs `fn` inside an INTERNAL child span of the current span; failures are recorded and rethrown. */
  inSpan<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => T): T {
    if (this.tracer === undefined) return fn(undefined);
    return this.tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, (span) => {
      try {
        return fn(span);
      } catch (err) {
        failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
  }
}

/** Marks a span failed by `err`. */
export function failSpan(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** The `tracing.*` settings the SDK reads. */
export interface TracingSettings {
  /** service.name of the spans, unless OTEL_SERVICE_NAME is set. */
  serviceName: string;
}

/** The process-wide OpenTelemetry SDK, as far as the server needs it. */
export interface TracingSdk {
  /** Flushes pending spans and stops exporting; gives up after `timeoutMs`. True when it finished in time. */
  shutdown(timeoutMs: number): Promise<boolean>;
}

/**
 * Starts the OpenTelemetry NodeSDK for traces only (metrics stay Prometheus): exporter,
 * endpoint, sampler and propagators come from the standard OTEL_* variables, OTLP by default.
 * `serviceName` applies unless OTEL_SERVICE_NAME is set. Loaded only when tracing is enabled.
 */
export async function startTracingSdk(config: TracingSettings, env: Record<string, string | undefined>): Promise<TracingSdk> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: (env['OTEL_SERVICE_NAME'] ?? '') === '' ? config.serviceName : undefined,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return {
    async shutdown(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
      });
      try {
        return await Promise.race([sdk.shutdown().then(() => true), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
