/**
 * The console's first view in Chromium against a node with a large registry:
 * bytes transferred (compressed, as the browser received them), time from navigation to a
 * usable dashboard (the Instances card shows the whole registry), and how the services list
 * answers typing and scrolling with that many services.
 *
 *   npm run bench:console [-- --services 5000 --per-service 2]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { buildConsole } from '../../console/build.js';
import { createNode } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDataDir } from '../helpers/node.js';

const { values } = parseArgs({
  options: { services: { type: 'string', default: '5000' }, 'per-service': { type: 'string', default: '2' }, chromium: { type: 'string', default: '/usr/bin/chromium' } },
});
const services = Number(values.services);
const perService = Number(values['per-service']);

await buildConsole();
const config = loadConfig({ flags: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir: tempDataDir(), 'discovery.coalesceMs': 0 } }).config;
const node = createNode(config);
const { port } = await node.start();
const base = `http://127.0.0.1:${port}`;

const all = [];
for (let s = 0; s < services; s++) {
  for (let i = 0; i < perService; i++) {
    const ip = `10.${(s >> 8) & 255}.${s & 255}.${i + 1}`;
    all.push({ regionId: 'default', zoneId: i % 2 === 0 ? 'zone-a' : 'zone-b', serviceId: `app${String(s).padStart(5, '0')}.svc`, instanceId: `${ip}:8080`, ip, port: 8080, url: `http://${ip}:8080`, status: 'up', metadata: { version: '1.0.0' } });
  }
}
for (let k = 0; k < all.length; k += 500) {
  const res = await fetch(`${base}/api/registry/register.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: all.slice(k, k + 500) }) });
  if (!res.ok) throw new Error(`register answered ${res.status}`);
}
await new Promise((r) => setTimeout(r, 200));

const browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
const results: Record<string, unknown> = { services, instances: all.length };
try {
  const runs: Array<{ ms: number; staticBytes: number; dataBytes: number }> = [];
  for (let round = 0; round < 3; round++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const urls = new Map<string, string>();
    const bytes = new Map<string, number>();
    cdp.on('Network.responseReceived', (e: { requestId: string; response: { url: string } }) => urls.set(e.requestId, e.response.url));
    cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => bytes.set(e.requestId, e.encodedDataLength));
    const t0 = Date.now();
    await page.goto(`${base}/console`);
    const expected = all.length.toLocaleString('en');
    await page.waitForFunction(`document.querySelector('section.card[aria-label="Instances"] .big')?.textContent === ${JSON.stringify(expected)}`, undefined, { timeout: 30_000, polling: 'raf' });
    const ms = Date.now() - t0;
    await page.waitForTimeout(300);
    let staticBytes = 0;
    let dataBytes = 0;
    for (const [id, n] of bytes) {
      const u = urls.get(id) ?? '';
      if (/\/console(\/assets\/.*)?$/.test(new URL(u || base).pathname)) staticBytes += n;
      else dataBytes += n;
    }
    runs.push({ ms, staticBytes, dataBytes });
    await context.close();
  }
  runs.sort((a, b) => a.ms - b.ms);
  results['firstView'] = { runs, medianMs: runs[1]!.ms };

  // typing into the search box, and scrolling the list to its end
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await page.goto(`${base}/console#/services`);
  await page.waitForFunction(`document.querySelector('main [role=status]')?.textContent?.startsWith(${JSON.stringify(`${services.toLocaleString('en')} of`)})`, undefined, { timeout: 30_000 });
  // in-page code as text: the test project has no DOM types
  const queries = ['a', 'ap', 'app', 'app0', 'app01', 'app012', 'app0123', 'app012', 'app01', 'app0', 'app', 'ap', 'a', '', 'svc', 'zone-b', ''];
  const typing = await page.evaluate<Array<[number, number]>>(`(async (queries) => {
    const input = document.querySelector('input[type=search]');
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const out = [];
    for (const q of queries) {
      const t = performance.now();
      input.value = q;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((r) => setTimeout(r, 0));
      const rendered = performance.now() - t;
      await frame();
      out.push([rendered, performance.now() - t]);
    }
    return out;
  })(${JSON.stringify(queries)})`);
  const scroll = await page.evaluate<{ frames: Array<[number, number]>; rowsInDom: number }>(`(async () => {
    const list = document.querySelector('.vlist');
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const out = [];
    for (let k = 1; k <= 20; k++) {
      const t = performance.now();
      list.scrollTop = (list.scrollHeight * k) / 20;
      list.dispatchEvent(new Event('scroll'));
      await new Promise((r) => setTimeout(r, 0));
      const rendered = performance.now() - t;
      await frame();
      out.push([rendered, performance.now() - t]);
    }
    return { frames: out, rowsInDom: list.querySelectorAll('.vrow').length };
  })()`);
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { medianMs: Math.round(s[Math.floor(s.length / 2)]! * 10) / 10, maxMs: Math.round(s[s.length - 1]! * 10) / 10 };
  };
  // rendered: the list re-rendered (script done); painted: two animation frames later
  results['searchKeystroke'] = { rendered: stats(typing.map((x) => x[0])), painted: stats(typing.map((x) => x[1])) };
  results['scrollStep'] = { rendered: stats(scroll.frames.map((x) => x[0])), painted: stats(scroll.frames.map((x) => x[1])), rowsInDom: scroll.rowsInDom };
  await page.screenshot({ path: join(process.cwd(), 'test-results', 'console', `bench-services-${services}.png`) });
} finally {
  await browser.close();
  await node.stop();
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
