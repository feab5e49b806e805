import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { text, type Endpoint, type EndpointInput } from '../endpoint.js';
import { acceptsGzip } from '../endpoint-http.js';

/**
 * The landing page (`/`) and the operator console (`/console` and its assets). The console is
 * built ahead of time (`npm run build:console`, console/build.ts) into dist/console: an index
 * template, content-hashed assets with gzip and brotli copies, and manifest.json listing them.
 * The node reads that directory once when it mounts these records and serves the bytes from
 * memory: hashed assets for a year (immutable), the index and the landing page with no-cache.
 */

/** What console/build.ts writes to dist/console/manifest.json. */
export interface ConsoleManifest {
  /** The index page; `{{prefix}}` stands for '' or the context path. */
  index: string;
  assets: Array<{ file: string; type: string; gzip: boolean; br: boolean }>;
}

interface Asset {
  file: string;
  type: string;
  raw: Uint8Array;
  gzip: Uint8Array | null;
  br: Uint8Array | null;
}

interface ConsoleBuild {
  index: string;
  assets: Asset[];
}

export const CONSOLE_ASSET_CACHE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';
const HTML = 'text/html; charset=UTF-8';
/** The console talks only to its own node: scripts, styles, fetches and WebSockets same-origin. */
const CONSOLE_CSP = "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The package's dist/console, found from this file both in src/ (tsx, tests) and in dist/src/. */
export function consoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console');
    const up = dirname(dir);
    if (up === dir) return join(process.cwd(), 'dist', 'console');
    dir = up;
  }
}

/** The built console in `dir`, or null when it has not been built. */
export function readConsoleBuild(dir = consoleDir()): ConsoleBuild | null {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return null;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ConsoleManifest;
  const read = (file: string) => new Uint8Array(readFileSync(join(dir, 'assets', file)));
  return {
    index: manifest.index,
    assets: manifest.assets.map((a) => ({
      file: a.file,
      type: a.type,
      raw: read(a.file),
      gzip: a.gzip ? read(`${a.file}.gz`) : null,
      br: a.br ? read(`${a.file}.br`) : null,
    })),
  };
}

/** True when the Accept-Encoding header accepts `coding` (q > 0). */
export function acceptsCoding(header: string | undefined, coding: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (name !== coding && name !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function assetAnswer(asset: Asset, input: EndpointInput) {
  const headers = { 'Cache-Control': CONSOLE_ASSET_CACHE, Vary: 'Accept-Encoding', 'X-Content-Type-Options': 'nosniff' };
  const accept = input.header('accept-encoding');
  if (asset.br !== null && acceptsCoding(accept, 'br')) return text(asset.br, asset.type, { ...headers, 'Content-Encoding': 'br' });
  if (asset.gzip !== null && acceptsGzip(accept)) return text(asset.gzip, asset.type, { ...headers, 'Content-Encoding': 'gzip' });
  return text(asset.raw, asset.type, headers);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The page at `/`: what this node is and where to go next. */
export function landingPage(prefix: string, version: string): string {
  const p = escapeHtml(prefix);
  const link = (href: string, label: string, note: string) => `<li><a href="${p}${href}">${label}</a> <span>${note}</span></li>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Artemis registry</title><link rel="icon" href="data:,">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2430}
h1{font-size:1.6rem;margin-bottom:.25rem}p.v{color:#5b6575;margin-top:0}li{margin:.5rem 0}span{color:#5b6575}
a{color:#0b57d0;font-weight:600}a.cta{display:inline-block;margin:1rem 0;padding:.6rem 1.2rem;background:#0b57d0;color:#fff;border-radius:6px;text-decoration:none}</style>
</head><body><main>
<h1>Artemis registry</h1><p class="v">Node version ${escapeHtml(version)}</p>
<p>A service registry node, wire compatible with Java Artemis clients.</p>
<a class="cta" href="${p}/console">Open the console</a>
<ul>
${link('/console', 'Console', 'services, instances, pull-out / pull-in, route rules, logs, cluster')}
${link('/swagger-ui', 'Swagger UI', 'every HTTP endpoint, with Try it out')}
${link('/openapi.json', 'OpenAPI document', 'the same, as JSON')}
${link('/health', 'Health', 'liveness')}
${link('/ready', 'Readiness', 'ready to serve traffic')}
${link('/metrics', 'Metrics', 'Prometheus text format')}
</ul></main></body></html>`;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Artemis console</title></head>
<body><main><h1>The console has not been built</h1>
<p>Run <code>npm run build</code> (or <code>npm run build:console</code>) and restart the node.</p></main></body></html>`;

const assetOperationId = (file: string) => `consoleAsset${file.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? '').toUpperCase())}`;

/** `/`, `/console` and the console's hashed assets. */
export function consoleEndpoints(deps: { version: string; build?: ConsoleBuild | null }): Endpoint[] {
  const build = deps.build === undefined ? readConsoleBuild() : deps.build;
  const common = { tag: 'operations', methods: ['GET'], rateLimit: 'none', access: 'public' } as const;
  const html = { mediaType: 'text/html', description: 'HTML page.' };
  const index = (prefix: string) => (build === null ? NOT_BUILT : build.index.replaceAll('{{prefix}}', escapeHtml(prefix)));
  return [
    {
      ...common,
      operationId: 'landingPage',
      path: '/',
      summary: 'Landing page: links to the console, Swagger UI, the OpenAPI document, health, readiness and metrics.',
      response: html,
      handle: (input) => text(landingPage(input.prefix, deps.version), HTML, { 'Cache-Control': NO_CACHE }),
    },
    {
      ...common,
      operationId: 'console',
      path: '/console',
      summary: 'The operator console (a single page; its assets are below /console/assets/).',
      notes: 'Same-origin only (Content-Security-Policy). Answers a page explaining how to build the console when dist/console is missing.',
      response: html,
      handle: (input) => text(index(input.prefix), HTML, { 'Cache-Control': NO_CACHE, 'Content-Security-Policy': CONSOLE_CSP, 'X-Content-Type-Options': 'nosniff' }),
    },
    ...(build?.assets ?? []).map(
      (asset): Endpoint => ({
        ...common,
        operationId: assetOperationId(asset.file),
        path: `/console/assets/${asset.file}`,
        summary: `Console asset ${asset.file} (content-hashed name; cached for a year; brotli or gzip when accepted).`,
        response: { mediaType: asset.type.split(';')[0]!, description: 'The file.' },
        handle: (input) => assetAnswer(asset, input),
      }),
    ),
  ];
}
