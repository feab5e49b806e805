import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.js';
import { startCluster } from '../helpers/cluster.js';
import { getJson, instance, postJson, startTestNode, TEST_ADMIN_TOKEN, type RunningNode } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The console in a real browser (Debian's Chromium through playwright-core) against real nodes:
 * live registrations, sign-in, a pull-out by clicking, a route-rule release, the audit log, and
 * a three-node cluster. Screenshots go to test-results/console/.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-results', 'console');
// CI installs Chromium (.ci/run); elsewhere the file is skipped when it is missing
const haveBrowser = existsSync(CHROMIUM) || process.env['CI'] === 'true';

async function text(locator: Locator, pattern: RegExp, timeout = 5_000): Promise<string> {
  let last = '';
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    last = (await locator.textContent({ timeout }).catch(() => '')) ?? '';
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${String(pattern)}, last text: ${JSON.stringify(last)}`);
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true });
const card = (page: Page, label: string) => page.locator(`section.card[aria-label="${label}"] .big`);
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe.skipIf(!haveBrowser)('console in Chromium', () => {
  let browser: Browser;
  let n: RunningNode;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await buildConsole();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
    });
    n = await startTestNode({ 'discovery.coalesceMs': 0 });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await n?.stop();
  });

  it('landing page → console; instances appear live; sign in; pull out by clicking; release a weight; read the log', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(5_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const writes: Array<{ url: string; authorization: string | undefined }> = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && /operate-instance|operate-group-operations|create-route-rule|release-route-rule-groups|update-route-rule-groups/.test(r.url())) writes.push({ url: r.url(), authorization: r.headers()['authorization'] });
    });

    // a new user: the node's address, then its link to the console
    await page.goto(`${n.url}/`);
    await shot(page, '01-landing');
    await page.getByRole('link', { name: 'Open the console' }).click();
    await page.waitForURL(/\/console$/);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await text(page.locator('.live'), /^live$/);
    await text(card(page, 'Instances'), /^0$/);

    // registrations through the API show up without a reload (push channel)
    const inst = (id: string, ip: string, zoneId = 'sha-z1') => instance({ instanceId: id, ip, url: `http://${ip}:8080`, zoneId, metadata: { version: '1.4.2' } });
    expect((await postJson(`${n.url}/api/registry/register.json`, { instances: [inst('i1', '10.0.0.1'), inst('i2', '10.0.0.2', 'sha-z2')] })).status).toBe(200);
    await text(card(page, 'Instances'), /^2$/);
    await text(card(page, 'Services'), /^1$/);
    await postJson(`${n.url}/api/registry/register.json`, { instances: [instance({ serviceId: 'demo.pay', instanceId: 'p1', ip: '10.0.1.1', url: 'http://10.0.1.1:80' })] });
    await text(card(page, 'Services'), /^2$/);
    await shot(page, '02-dashboard');

    // services list: search, then open one
    await nav(page, 'Services').click();
    await page.getByLabel('Search services').fill('order');
    await text(page.getByRole('status').filter({ hasText: 'services' }), /^1 of 2 services$/);
    await page.locator('[data-service="demo.order"] a').click();
    await page.getByRole('heading', { name: 'demo.order' }).waitFor();
    const row = page.locator('tr[data-instance="i2"]');
    await text(row, /1\.4\.2/);
    expect(await row.getByRole('button', { name: 'Pull out' }).isDisabled()).toBe(true);

    // sign in: the token stays in this tab's sessionStorage
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Token').fill(TEST_ADMIN_TOKEN);
    await page.getByLabel('Operator name (for the audit log)').fill('alice');
    await page.getByRole('dialog').getByRole('button', { name: 'Sign in' }).click();
    await text(page.locator('.signin'), /Signed in as alice/);
    expect(await page.evaluate("sessionStorage.getItem('artemis.console.token')")).toBe(TEST_ADMIN_TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);

    // pull i2 out by clicking: discovery stops serving it
    await row.getByRole('button', { name: 'Pull out' }).click();
    await row.getByLabel('Reason').fill('drain before the kernel update');
    await row.getByRole('button', { name: 'Confirm pull-out of i2' }).click();
    await text(row, /instance: pullout/);
    await text(row, /down/);
    const served = await waitFor(
      async () => ((await getJson(`${n.url}/api/discovery/service.json?serviceId=demo.order&regionId=SHA&zoneId=sha-z1`)).body.service.instances as Array<{ instanceId: string }>).map((i) => i.instanceId),
      { until: (ids: string[]) => !ids.includes('i2') },
    );
    expect(served).toEqual(['i1']);
    await shot(page, '03-service-pulled-out');

    // a route rule with two groups, made in the console: its weights start pending
    await page.getByRole('button', { name: 'New route rule' }).click();
    const form = page.getByRole('form', { name: 'New route rule' });
    await form.getByLabel('Rule name').fill('release-2024');
    await form.getByLabel('Group application id').fill('100001');
    await form.getByLabel('Group zone').fill('sha-z1');
    await form.getByLabel('Groups and weights').fill('blue=90, green=10');
    await form.getByRole('button', { name: 'Create route rule' }).click();
    await text(page.locator('.routing .msg'), /Route rule release-2024 created/);

    // edit a pending weight, save, release both
    const rule = page.locator('section[data-rule="release-2024"]');
    await rule.waitFor();
    await text(rule.locator('tr[data-group="blue"]'), /pending/);
    await page.getByLabel('Pending weight of green').fill('20');
    await rule.getByRole('button', { name: 'Save pending weights' }).click();
    await text(page.locator('.routing .msg'), /Pending weights of release-2024 saved/);
    await rule.getByRole('button', { name: /^Release 2 weight/ }).click();
    await rule.getByLabel('Reason').fill('blue/green 80/20');
    await rule.getByRole('button', { name: 'Confirm release of release-2024' }).click();
    await text(rule, /Nothing pending to release/);
    const rules = await postJson(`${n.url}/api/management/group/get-route-rules.json`, { serviceId: 'demo.order' });
    const links = await postJson(`${n.url}/api/management/group/get-route-rule-groups.json`, { routeRuleId: rules.body.routeRules[0].routeRuleId });
    expect((links.body.routeRuleGroups as Array<{ weight: number }>).map((l) => l.weight).sort((a, b) => a - b)).toEqual([20, 90]);
    // discovery publishes the released weights; the page follows the service's reload push
    const published = page.locator('[data-published="release-2024"]');
    await text(published, /blue 90/);
    await text(published, /green 20/);
    await shot(page, '04-route-rule-released');

    // a whole group out of traffic
    const green = page.locator('tr[data-group-row="green"]');
    await green.getByRole('button', { name: 'Pull out group' }).click();
    await green.getByLabel('Reason').fill('green misbehaves');
    await green.getByRole('button', { name: 'Confirm pull-out of group green' }).click();
    await green.getByRole('button', { name: 'Pull in group' }).waitFor();
    const groupOps = await postJson(`${n.url}/api/management/group/get-all-group-operations.json`, {});
    expect(groupOps.body.allGroupOperations).toEqual([{ groupId: expect.any(Number), operations: ['pullout'] }]);

    // every write carried the session's token
    expect(writes.map((w) => w.url.replace(/^.*\/api\//, ''))).toEqual([
      'management/operate-instance.json',
      'management/group/create-route-rule.json',
      'management/group/update-route-rule-groups.json',
      'management/group/release-route-rule-groups.json',
      'management/group/operate-group-operations.json',
    ]);
    for (const w of writes) expect(w.authorization).toBe(`Bearer ${TEST_ADMIN_TOKEN}`);

    // the operations log shows the pull-out with its operator
    await nav(page, 'Operations log').click();
    await page.getByLabel('serviceId').fill('demo.order');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const log = page.locator('table.log tbody tr').first();
    await text(log, /i2.*pullout.*alice|alice.*pullout|pullout.*alice/);
    await text(log, /"reason":"drain before the kernel update"/);
    await page.getByLabel('Log type', { exact: true }).selectOption('route-rule-group-logs');
    await text(page.locator('table.log tbody'), /release/);
    await shot(page, '05-log');

    // the service list follows the pull-out: one instance of demo.order left in discovery
    await nav(page, 'Services').click();
    await text(page.locator('[data-service="demo.order"] .num'), /^1$/);

    // a phone-sized screen
    await page.setViewportSize({ width: 390, height: 844 });
    await nav(page, 'Dashboard').click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await text(card(page, 'This node'), /^up$/);
    await shot(page, '06-dashboard-phone');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a three-node cluster shows all three members', async () => {
    const nodes = await startCluster(3);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(5_000);
      await page.goto(`${nodes[0]!.url}/console#/cluster`);
      await page.getByRole('heading', { name: 'Cluster' }).waitFor();
      const members = page.locator('table.members tbody tr');
      await waitFor(async () => (await members.allTextContents()).filter((t) => t.includes('alive')).length, { until: (alive: number) => alive === 3, timeoutMs: 10_000 });
      const ids = await Promise.all((await members.all()).map((r) => r.getAttribute('data-node')));
      expect(ids.sort()).toEqual(['node-0', 'node-1', 'node-2']);
      await shot(page, '07-cluster');
      await page.close();
    } finally {
      await Promise.all(nodes.map((x) => x.stop()));
    }
  });
});
