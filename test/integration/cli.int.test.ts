import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClientCommand } from '../../src/cli/client-commands.js';
import { SETTING_WARNINGS } from '../../src/config/setting-warnings.js';
import { finish, startCli as start } from '../helpers/child.js';
import { TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { ADMIN_HEADERS, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

describe('artemis CLI against a real node', () => {
  let n: RunningNode;
  // ARTEMIS_DATA_DIR names the node's data directory: the CLI takes the admin token from its admin.token
  const run = (...args: string[]) => finish(start(args, { ARTEMIS_URL: n.url, USER: 'cli-test', ARTEMIS_DATA_DIR: n.node.config.dataDir }));
  const register = (id: string, ...more: string[]) =>
    run('instance', 'register', '--service', 'demo.cli', '--instance-id', id, '--instance-url', `http://10.1.0.${id.slice(1)}:80`, ...more);

  beforeAll(async () => {
    // the instances registered by the first test are never heartbeated: a lease far longer than
    // the file runs keeps them, however slow the machine
    n = await startTestNode({ 'registry.lease.ttlMs': 600_000 });
  });
  afterAll(async () => {
    await n.stop();
  });

  it('registers instances, with a one-line answer or JSON', async () => {
    const human = await register('i1', '--port', '80', '--metadata', 'team=a');
    expect(human).toMatchObject({ code: 0, err: '' });
    expect(human.out).toBe(`registered demo.cli/i1 on ${n.url}\n`);
    const json = await register('i2', '--status', 'down', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).responseStatus.status).toBe('success');
  });

  it('lists and shows services and instances as tables and as JSON', async () => {
    const [list, listJson, get, instances] = await Promise.all([
      run('service', 'list'),
      run('service', 'list', '--json'),
      run('service', 'get', 'demo.cli'),
      run('--json', 'instance', 'list', 'demo.cli'),
    ]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^SERVICE\s+INSTANCES\s+UP\n/);
    expect(list.out).toMatch(/demo\.cli\s+2\s+1/);
    expect(JSON.parse(listJson.out).services.map((s: { serviceId: string }) => s.serviceId)).toContain('demo.cli');
    expect(get.out).toContain('service demo.cli: 2 instance(s), 1 up');
    expect(get.out).toMatch(/i1\s+up\s+http:\/\/10\.1\.0\.1:80\s+-\s+80\s+sha-z1/);
    expect(get.out).toMatch(/i2\s+down\s+http:/);
    const parsed = JSON.parse(instances.out) as Array<{ instanceId: string; metadata: unknown }>;
    expect(parsed.map((i) => i.instanceId).sort()).toEqual(['i1', 'i2']);
    expect(parsed.find((i) => i.instanceId === 'i1')?.metadata).toEqual({ team: 'a' });
  });

  it('shows the cluster and the node status', async () => {
    const [cluster, clusterJson, status, statusJson] = await Promise.all([
      run('cluster', 'status'),
      run('cluster', 'status', '--json'),
      run('status'),
      run('status', '--json'),
    ]);
    expect(cluster.out).toMatch(/NODE\s+REGION\s+ZONE\s+STATUS\s+REGISTRY\s+DISCOVERY\n/);
    expect(cluster.out).toContain(`${n.url}  SHA`);
    expect(JSON.parse(clusterJson.out).nodesStatus[0].status).toBe('up');
    expect(status.out).toMatch(/leases\s+\d+ lease\(s\), safe/);
    const s = JSON.parse(statusJson.out);
    expect(s.node.status).toBe('up');
    expect(s.leases.leaseCount).toBeGreaterThanOrEqual(2);
    expect(Object.keys(s.config.properties).length).toBeGreaterThan(10);
  });

  it('fails with exit 1 and a one-line reason', async () => {
    const [unknown, unreachable] = await Promise.all([
      run('instance', 'heartbeat', '--service', 'demo.cli', '--instance-id', 'nope', '--instance-url', 'http://x'),
      finish(start(['status', '--timeout', '500'], { ARTEMIS_URL: 'http://127.0.0.1:9' })),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^artemis: heartbeat failed: data-not-found: .*\n$/);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err.trim().split('\n')).toHaveLength(1);
  });

  it('answers usage errors with exit 2 and --help with exit 0 for every command', async () => {
    const usage = await Promise.all([run('service', 'get'), run('instance', 'register', '--service', 'x', '--bogus')]);
    for (const u of usage) {
      expect(u.code).toBe(2);
      expect(u.err).toMatch(/^artemis: /);
    }
    const helps = await Promise.all(
      [['service', 'get', '--help'], ['instance', 'pull-out', '-h'], ['instance', '--help']].map((a) => run(...a)),
    );
    for (const h of helps) expect(h).toMatchObject({ code: 0, err: '' });
    expect(helps[0]!.out).toContain('Usage: artemis service get <serviceId>');
    expect(helps[1]!.out).toContain('--operator');
  });

  it('watch prints the service, then each pushed change', async () => {
    const child = start(['watch', 'demo.cli', '--json', '--count', '2'], { ARTEMIS_URL: n.url });
    const done = finish(child);
    let printed = '';
    child.stdout.on('data', (d: Buffer) => (printed += d.toString()));
    const printedLines = (count: number) =>
      waitFor(() => printed.split('\n').length > count, { timeoutMs: 10_000, intervalMs: 20, message: `watch to print ${count} line(s)` }).catch(() => {
        throw new Error(`watch printed only: ${printed}`);
      });
    await printedLines(1);
    const i3 = instance({ serviceId: 'demo.cli', instanceId: 'i3', url: 'http://10.1.0.3:80' });
    expect((await postJson(`${n.url}/api/registry/register.json`, { instances: [i3] })).body.responseStatus.status).toBe('success');
    await printedLines(2);
    await postJson(`${n.url}/api/registry/unregister.json`, { instances: [i3] });
    const { code, out } = await done;
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; instance?: { instanceId: string } });
    expect(lines.map((l) => [l.event, l.instance?.instanceId])).toEqual([['snapshot', undefined], ['new', 'i3'], ['delete', 'i3']]);
  });

  it('pulls an instance out and back in', async (ctx) => {
    const out = await run('instance', 'pull-out', '--service', 'demo.cli', '--instance-id', 'i1');
    if (out.code === 1 && out.err.includes('HTTP 404')) ctx.skip('this node has no /api/management/operate-instance.json yet (HTTP 404)');
    expect(out).toMatchObject({ code: 0, err: '' });
    expect(out.out).toBe('pulled out demo.cli/i1 (operation pullout, operator cli-test)\n');
    const back = await run('instance', 'pull-in', '--service', 'demo.cli', '--instance-id', 'i1', '--json');
    expect(back.code).toBe(0);
    expect(JSON.parse(back.out).responseStatus.status).toBe('success');
  });

  it('creates, lists and revokes tokens; commands use the local admin token, --token or ARTEMIS_TOKEN', async () => {
    const created = await run('token', 'create', 'cli-bot', '--scope', 'operate');
    expect(created.code).toBe(0);
    const secret = created.out.trim();
    expect(secret).toMatch(/^art_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toMatch(/^created token cli-bot \(tk_[0-9a-f]+\) with scopes operate; the secret above is shown only now\n$/);
    const list = await run('token', 'list');
    expect(list).toMatchObject({ code: 0, err: '' });
    expect(list.out).toMatch(/^ID\s+NAME\s+SCOPES\s+CREATED\s+CREATED BY\n/);
    expect(list.out).toMatch(/^tk_[0-9a-f]+\s+cli-bot\s+operate\s+\S+\s+admin \(tk_[0-9a-f]+\)$/m);
    expect(list.out).not.toContain(secret);
    // an operate token pulls out but cannot manage tokens
    const withBot = (...args: string[]) => finish(start(args, { ARTEMIS_URL: n.url, USER: 'cli-test', ARTEMIS_TOKEN: secret }));
    expect((await withBot('instance', 'pull-out', '--service', 'demo.cli', '--instance-id', 'i2')).code).toBe(0);
    expect((await withBot('instance', 'pull-in', '--service', 'demo.cli', '--instance-id', 'i2')).code).toBe(0);
    const denied = await withBot('token', 'list');
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('no-permission: The token does not grant the admin scope that token administration needs.');
    expect((await run('token', 'revoke', 'cli-bot')).out).toMatch(/^revoked token cli-bot \(tk_[0-9a-f]+\)\n$/);
    const revoked = await finish(start(['instance', 'pull-out', '--service', 'demo.cli', '--instance-id', 'i2', '--token', secret], { ARTEMIS_URL: n.url }));
    expect(revoked.code).toBe(1);
    expect(revoked.err).toContain('The token is not valid: unknown or revoked.');
    // no token at all: a data directory without admin.token
    const none = await finish(start(['instance', 'pull-out', '--service', 'demo.cli', '--instance-id', 'i2'], { ARTEMIS_URL: n.url, ARTEMIS_DATA_DIR: join(n.node.config.dataDir, 'nothing-here') }));
    expect(none.code).toBe(1);
    expect(none.err).toContain('no-permission');
  });

  describe.concurrent('groups and route rules', () => {
    const G = '/api/management/group';
    const audit = { operatorId: 'alice', token: 't' };
    const group = (name: string, weight: number) => ({ serviceId: 'demo', regionId: 'SHA', zoneId: 'sha-z1', name, appId: '100001', status: 'active', weight });
    const lookup = async () => {
      const answer = await postJson(`${n.url}/api/discovery/lookup.json`, { discoveryConfigs: [{ serviceId: 'demo' }], regionId: 'SHA', zoneId: 'sha-z1' });
      return ((answer.body.services[0]?.instances ?? []) as Array<{ instanceId: string }>).map((i) => i.instanceId).sort();
    };
    let ruleId = 0;
    let groupIds: Record<string, number> = {};

    beforeAll(async () => {
      const instances = ['b1', 'b2', 'g1', 'g2'].map((id, k) =>
        instance({ serviceId: 'demo', instanceId: id, url: `http://10.2.0.${k + 1}:80`, ip: `10.2.0.${k + 1}`, groupId: id.startsWith('b') ? 'blue' : 'green' }),
      );
      expect((await postJson(`${n.url}/api/registry/register.json`, { instances })).body.responseStatus.status).toBe('success');
      const rule = { serviceId: 'demo', name: 'split', status: 'active', strategy: 'weighted-round-robin' };
      const created = await postJson(`${n.url}${G}/create-route-rule.json`, { routeRule: rule, groups: [group('blue', 90), group('green', 10)], operation: 'create', ...audit }, { headers: ADMIN_HEADERS });
      expect(created.body.responseStatus.status).toBe('success');
      const rules = await postJson(`${n.url}${G}/get-all-route-rules.json`, {});
      ruleId = (rules.body.routeRules as Array<{ routeRuleId: number; serviceId: string }>).find((r) => r.serviceId === 'demo')!.routeRuleId;
      const groups = (await postJson(`${n.url}${G}/get-all-groups.json`, {})).body.groups as Array<{ groupId: number; name: string }>;
      groupIds = Object.fromEntries(groups.map((g) => [g.name, g.groupId]));
    });

    it('sets a pending weight, lists pending vs published weights, releases them', async () => {
      const set = await run('route-rule', 'set-weight', String(ruleId), String(groupIds.green), '30');
      expect(set).toMatchObject({ code: 0, err: '' });
      expect(set.out).toContain(`pending weight set; run \`artemis route-rule release ${ruleId}\` to publish`);

      const list = await run('route-rule', 'list', 'DEMO');
      expect(list).toMatchObject({ code: 0, err: '' });
      expect(list.out).toContain(`route rule split (id ${ruleId})  status active  strategy weighted-round-robin\n`);
      expect(list.out).toMatch(/^GROUP\s+GROUP KEY\s+PENDING\s+PUBLISHED\n/m);
      expect(list.out).toMatch(new RegExp(`^${groupIds.blue}\\s+demo/sha/sha-z1/blue\\s+90\\s+5 \\(default\\)\\s+\\* unreleased$`, 'm'));
      expect(list.out).toMatch(new RegExp(`^${groupIds.green}\\s+demo/sha/sha-z1/green\\s+30\\s+5 \\(default\\)\\s+\\* unreleased$`, 'm'));
      expect(list.out).toContain(`artemis route-rule release ${ruleId}`);

      const release = await run('route-rule', 'release', String(ruleId));
      expect(release).toMatchObject({ code: 0, err: '' });
      expect(release.out).toBe('demo/sha/sha-z1/blue: 5 (default) -> 90\ndemo/sha/sha-z1/green: 5 (default) -> 30\n');

      const json = await run('route-rule', 'list', 'demo', '--json');
      const parsed = JSON.parse(json.out) as { routeRules: Array<{ name: string; groups: Array<{ groupKey: string; pendingWeight: number; publishedWeight: number; unreleased: boolean }> }> };
      expect(parsed.routeRules.map((r) => r.name)).toEqual(['split']);
      expect(parsed.routeRules[0]!.groups.map((g) => [g.groupKey, g.pendingWeight, g.publishedWeight, g.unreleased])).toEqual([
        ['demo/sha/sha-z1/blue', 90, 90, false],
        ['demo/sha/sha-z1/green', 30, 30, false],
      ]);
    });

    it('pulls a group out of discovery and back in', async () => {
      expect(await lookup()).toEqual(['b1', 'b2', 'g1', 'g2']);
      const out = await run('group', 'pull-out', String(groupIds.green));
      expect(out).toMatchObject({ code: 0, err: '' });
      expect(out.out).toBe(`pulled out group ${groupIds.green} demo/sha/sha-z1/green (operation pullout, operator cli-test)\n`);
      expect(await lookup()).toEqual(['b1', 'b2']);
      const list = await run('group', 'list', 'demo');
      expect(list.out).toMatch(/^ID\s+GROUP KEY\s+APP\s+STATUS\s+OPERATIONS\s+TAGS\n/);
      expect(list.out).toMatch(new RegExp(`^${groupIds.green}\\s+demo/sha/sha-z1/green\\s+100001\\s+active\\s+pullout\\s+-$`, 'm'));
      expect(list.out).toMatch(new RegExp(`^${groupIds.blue}\\s+demo/sha/sha-z1/blue\\s+100001\\s+active\\s+-\\s+-$`, 'm'));
      const back = await run('group', 'pull-in', String(groupIds.green));
      expect(back).toMatchObject({ code: 0, err: '' });
      expect(await lookup()).toEqual(['b1', 'b2', 'g1', 'g2']);
    });

    it('rejects a bad weight with exit 2 and an unknown rule with exit 1', async () => {
      const [weight, unknown] = await Promise.all([
        run('route-rule', 'set-weight', String(ruleId), String(groupIds.blue), '10001'),
        run('route-rule', 'release', '999'),
      ]);
      expect(weight.code).toBe(2);
      expect(weight.err).toMatch(/^artemis: <weight> must be an integer within 0\.\.10000, got 10001\n/);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toMatch(/^artemis: no route rule with id 999 .*\n$/);
    });
  });
});

describe('artemis status warns of settings that switch a protection off', () => {
  /** What `artemis status` writes to stderr for a node started with `flags`. */
  async function statusWarnings(flags: Parameters<typeof startTestNode>[0]): Promise<string> {
    const n = await startTestNode(flags);
    try {
      const err: string[] = [];
      const io = { out: () => undefined, err: (t: string) => void err.push(t) };
      expect(await runClientCommand(['status', '--url', n.url], { io, env: {}, onStop: () => () => undefined })).toBe(0);
      return err.join('');
    } finally {
      await n.stop();
    }
  }

  it('cluster.insecure without a cluster key, and not once a key makes it inert', async () => {
    const [insecure, keyed] = await Promise.all([
      statusWarnings({ 'cluster.insecure': true }),
      statusWarnings({ 'cluster.insecure': true, 'cluster.key': TEST_CLUSTER_KEY }),
    ]);
    expect(insecure).toBe(`artemis: warning: ${SETTING_WARNINGS.insecureCluster}\n`);
    expect(keyed).toBe('');
  });
});
