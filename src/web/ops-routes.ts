import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { ApiRouter } from './api-router.js';
import { sendJsonBytes } from './respond.js';

export type Readiness = 'starting' | 'ready' | 'stopping';

export interface OpsRoutesDeps {
  readiness: () => Readiness;
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
export function opsRoutes(app: Hono, router: ApiRouter, deps: OpsRoutesDeps, contextPath: string): void {
  router.get('/health', (c) => sendJsonBytes(c, '{"status":"ok"}'));
  router.get('/ready', (c) => {
    const r = deps.readiness();
    return sendJsonBytes(c, JSON.stringify({ status: r }), r === 'ready' ? 200 : 503);
  });
  router.get('/metrics', async (c) => {
    const text = await deps.metrics.text();
    c.header('Content-Type', deps.metrics.contentType);
    return c.body(text);
  });
  router.get('/openapi.json', (c) => sendJsonBytes(c, JSON.stringify(deps.openApi())));
  router.get('/api/status/message/connections.json', (c) => {
    const n = deps.connections();
    return sendJsonBytes(c, JSON.stringify({ registry: String(n.registry), discovery: String(n.discovery) }));
  });

  const dir = swaggerDir();
  for (const prefix of contextPath === '' ? [''] : ['', contextPath]) {
    app.get(`${prefix}/swagger-ui`, (c) => c.html(swaggerPage(prefix)));
    app.get(`${prefix}/swagger-ui/init.js`, (c) => {
      c.header('Content-Type', 'application/javascript');
      return c.body(swaggerInit(prefix));
    });
    app.get(`${prefix}/swagger-ui/:file`, async (c) => {
      const file = c.req.param('file');
      const type = SWAGGER_ASSETS.get(file);
      if (type === undefined) return c.notFound();
      c.header('Content-Type', type);
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(new Uint8Array(await readFile(join(dir, file))));
    });
  }
  router.routes.push({ method: 'GET', path: '/swagger-ui' });
}
