import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, type ConsoleBuildResult } from '../../console/build.js';
import { acceptsCoding, CONSOLE_ASSET_CACHE, consoleEndpoints } from '../../src/web/api/console.js';
import { startTestNode, type RunningNode } from '../helpers/node.js';

/** The landing page, the console page and its assets as a node serves them. */
describe('console serving', () => {
  let built: ConsoleBuildResult;
  let n: RunningNode;
  let ctx: RunningNode;

  beforeAll(async () => {
    built = await buildConsole();
    n = await startTestNode();
    ctx = await startTestNode({ contextPath: '/artemis-web' });
  });
  afterAll(async () => {
    await n?.stop();
    await ctx?.stop();
  });

  const assetRefs = (html: string) => [...html.matchAll(/(?:src|href)="([^"]*\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);

  it('/ is a landing page linking to the console, Swagger UI, the document, health, readiness and metrics', async () => {
    const res = await fetch(`${n.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    for (const href of ['/console', '/swagger-ui', '/openapi.json', '/health', '/ready', '/metrics']) expect(html).toContain(`href="${href}"`);
    for (const href of ['/console', '/swagger-ui', '/health']) expect((await fetch(`${n.url}${href}`)).status).toBe(200);
  });

  it('/console is the page (no-cache, same-origin policy) naming its hashed script and style', async () => {
    const res = await fetch(`${n.url}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const refs = assetRefs(await res.text());
    expect(refs.map((r) => r.replace('/console/assets/', '')).sort()).toEqual(built.assets.map((a) => a.file).sort());
    expect(refs.some((r) => /\/main-[A-Z0-9]+\.js$/.test(r))).toBe(true);
    expect(refs.some((r) => /\/main-[A-Z0-9]+\.css$/.test(r))).toBe(true);
  });

  it('assets come brotli or gzip compressed when accepted, identical to the built files, cached for a year', async () => {
    for (const asset of built.assets) {
      const raw = readFileSync(join(built.dir, 'assets', asset.file));
      for (const [accept, encoding, size] of [
        ['gzip, deflate, br', 'br', asset.br],
        ['gzip', 'gzip', asset.gzip],
        ['identity', null, asset.bytes],
      ] as const) {
        const res = await fetch(`${n.url}/console/assets/${asset.file}`, { headers: { 'Accept-Encoding': accept } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-encoding')).toBe(encoding);
        expect(res.headers.get('cache-control')).toBe(CONSOLE_ASSET_CACHE);
        expect(res.headers.get('vary')).toBe('Accept-Encoding');
        expect(res.headers.get('content-type')).toBe(asset.file.endsWith('.js') ? 'application/javascript' : 'text/css');
        // fetch undoes the content coding: the bytes are those of the build either way
        expect(Buffer.from(await res.arrayBuffer()).equals(raw)).toBe(true);
        expect(size).toBeLessThanOrEqual(asset.bytes);
      }
    }
  });

  it('below the context path, the page names its assets below the context path too', async () => {
    const html = await (await fetch(`${ctx.url}/artemis-web/console`)).text();
    const refs = assetRefs(html);
    expect(refs.length).toBe(built.assets.length);
    for (const ref of refs) {
      expect(ref.startsWith('/artemis-web/console/assets/')).toBe(true);
      expect((await fetch(`${ctx.url}${ref}`)).status).toBe(200);
    }
    expect(await (await fetch(`${ctx.url}/artemis-web/`)).text()).toContain('href="/artemis-web/console"');
  });

  it('a file that is not part of the build is not served', async () => {
    for (const p of ['/console/assets/nope.js', '/console/assets/..%2Fmanifest.json', '/console/manifest.json', '/console/assets/']) {
      expect((await fetch(`${n.url}${p}`)).status).toBe(404);
    }
  });

  it('without a build, /console says how to build it and no asset is mounted', () => {
    const records = consoleEndpoints({ version: '0.0.0', build: null });
    expect(records.map((r) => r.path)).toEqual(['/', '/console']);
  });

  it('Accept-Encoding is read with its q-values', () => {
    expect(acceptsCoding('gzip, br;q=0', 'br')).toBe(false);
    expect(acceptsCoding('gzip;q=1, br;q=0.5', 'br')).toBe(true);
    expect(acceptsCoding('*', 'br')).toBe(true);
    expect(acceptsCoding(undefined, 'br')).toBe(false);
    expect(acceptsCoding('gzip', 'br')).toBe(false);
  });
});
