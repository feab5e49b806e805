import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { NodeMetrics } from '../../telemetry/metrics.js';
import { json, redirect, text, wire, type Endpoint } from '../endpoint.js';
import { ConnectionsResponse, HealthResponse, OpenApiDocument, ReadyResponse } from '../openapi/cold-schemas.js';

export type Readiness = 'starting' | 'ready' | 'stopping';

export interface OpsEndpointsDeps {
  readiness: () => Readiness;
  /** Why a started node is not ready after all (its management store differs from its peers'), or null. */
  notReadyReason?: () => string | null;
  metrics: NodeMetrics;
  openApi: () => object;
  connections: () => { registry: number; discovery: number };
}

const SWAGGER_ASSETS = new Map([
  ['swagger-ui.css', 'text/css'],
  ['swagger-ui-bundle.js', 'application/javascript'],
  ['swagger-ui-standalone-preset.js', 'application/javascript'],
  ['favicon-32x32.png', 'image/png'],
]);

function swaggerDir(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('swagger-ui-dist/package.json').replace(/package\.json$/, '');
}

function swaggerPage(prefix: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Artemis API</title>
<link rel="stylesheet" href="${prefix}/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="${prefix}/swagger-ui/swagger-ui-bundle.js"></script>
<script src="${prefix}/swagger-ui/swagger-ui-standalone-preset.js"></script>
<script src="${prefix}/swagger-ui/init.js"></script>
</body></html>`;
}

function swaggerInit(prefix: string): string {
  return `window.ui = SwaggerUIBundle({ url: '${prefix}/openapi.json', dom_id: '#swagger-ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });`;
}

/** /health, /ready, /metrics, /openapi.json, /swagger-ui and the WebSocket connection counts. */
export function opsEndpoints(deps: OpsEndpointsDeps): Endpoint[] {
  const common = { tag: 'operations', methods: ['GET'], rateLimit: 'none', access: 'public' } as const;
  return [
    {
      ...common,
      operationId: 'health',
      path: '/health',
      summary: 'Liveness probe.',
      response: HealthResponse,
      responseDescription: 'Process is alive.',
      responseExample: { status: 'ok' },
      handle: () => json('{"status":"ok"}'),
    },
    {
      ...common,
      operationId: 'ready',
      path: '/ready',
      summary: 'Readiness probe.',
      response: ReadyResponse,
      responseDescription: 'Node is ready.',
      responseExample: { status: 'ready' },
      extraResponses: {
        '503': { description: "Node is starting or stopping, or its management store differs from its peers' (not-ready, with the reason).", schema: ReadyResponse, example: { status: 'starting' } },
      },
      handle: () => {
        const r = deps.readiness();
        const reason = r === 'ready' ? (deps.notReadyReason?.() ?? null) : null;
        if (reason !== null) return wire({ status: 'not-ready', reason }, 503);
        return wire({ status: r }, r === 'ready' ? 200 : 503);
      },
    },
    {
      ...common,
      operationId: 'metrics',
      path: '/metrics',
      summary: 'Prometheus metrics.',
      response: { mediaType: 'text/plain', description: 'Prometheus text exposition format.' },
      handle: async () => text(await deps.metrics.text(), deps.metrics.contentType),
    },
    {
      ...common,
      operationId: 'openApi',
      path: '/openapi.json',
      summary: 'This OpenAPI document.',
      response: OpenApiDocument,
      responseDescription: 'OpenAPI 3.1 document, generated from the endpoint records.',
      handle: () => wire(deps.openApi()),
    },
    {
      ...common,
      operationId: 'swaggerUi',
      path: '/swagger-ui',
      summary: 'Interactive API browser.',
      response: { mediaType: 'text/html', description: 'HTML page.' },
      handle: (input) => text(swaggerPage(input.prefix), 'text/html; charset=UTF-8'),
    },
    {
      ...common,
      operationId: 'swaggerUiSlash',
      path: '/swagger-ui/',
      summary: 'Redirects to /swagger-ui (the page\'s asset links are relative to it).',
      response: { redirect: true, description: 'Permanent redirect to the Swagger UI page.' },
      handle: (input) => redirect(`${input.prefix}/swagger-ui`),
    },
    {
      ...common,
      tag: 'status',
      operationId: 'getConnections',
      path: '/api/status/message/connections.json',
      summary: 'Count open WebSocket sessions (no envelope).',
      response: ConnectionsResponse,
      handle: () => {
        const n = deps.connections();
        return wire({ registry: String(n.registry), discovery: String(n.discovery) });
      },
    },
  ];
}

const camel = (file: string) => file.replace(/\.[a-z]+$/, '').replace(/(?:^|-)([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());

/** The Swagger UI page's assets: local files of swagger-ui-dist, and the initializer naming this node's document. */
export function swaggerAssetEndpoints(): Endpoint[] {
  const dir = swaggerDir();
  const common = { tag: 'operations', methods: ['GET'], rateLimit: 'none', access: 'public' } as const;
  return [
    ...[...SWAGGER_ASSETS].map(([file, type]): Endpoint => ({
      ...common,
      operationId: `swaggerUi${camel(file)}`,
      path: `/swagger-ui/${file}`,
      summary: `Swagger UI asset ${file} (from swagger-ui-dist).`,
      response: { mediaType: type, description: 'The file.' },
      handle: async () => text(new Uint8Array(await readFile(join(dir, file))), type, { 'Cache-Control': 'public, max-age=86400' }),
    })),
    {
      ...common,
      operationId: 'swaggerUiInit',
      path: '/swagger-ui/init.js',
      summary: 'Swagger UI initializer: loads this node\'s /openapi.json.',
      response: { mediaType: 'application/javascript', description: 'The script.' },
      handle: (input) => text(swaggerInit(input.prefix), 'application/javascript'),
    },
  ];
}
