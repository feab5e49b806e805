import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClientCommand } from '../../src/cli/client-commands.js';
import { SETTING_WARNINGS } from '../../src/config/setting-warnings.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { deleteKeysWithPrefix, redisUrlForTests, uniqueKeyPrefix } from '../helpers/redis.js';
import { ADMIN_HEADERS, getJson, instance, postJson, startTestNode, tempDataDir, TEST_ADMIN_TOKEN, type RunningNode } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

const KEY = { regionId: 'SHA', serviceId: 'demo.order', instanceId: '10.1.2.3:8080' };
const pullOut = (extra: Record<string, unknown> = {}) => ({ instanceKey: KEY, operation: 'pullout', operationComplete: false, operatorId: 'mallory', token: '', ...extra });
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const lookupBody = { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' };

async function discoverable(url: string): Promise<string[]> {
  const res = await postJson(`${url}/api/discovery/lookup.json`, lookupBody);
  return ((res.body.services[0]?.instances ?? []) as Array<{ instanceId: string }>).map((i) => i.instanceId);
}

async function createToken(url: string, name: string, scopes: string[], headers: Record<string, string> = ADMIN_HEADERS): Promise<string> {
  const res = await postJson(`${url}/api/auth/create-token.json`, { name, scopes }, { headers });
  expect(res.body.responseStatus.status, JSON.stringify(res.body)).toBe('success');
  return res.body.secret as string;
}

/** A logger that keeps what it is told. */
function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; obj: object }> } {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj });
  const logger = { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), flush: () => undefined, child: () => logger };
  return logger;
}

describe('management auth with the default settings', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode();
    expect((await postJson(`${n.url}/api/registry/register.json`, { instances: [instance()] })).body.responseStatus.status).toBe('success');
    n.node.discovery.flush();
  });
  afterAll(async () => {
    await n.stop();
  });

  // The attack: anyone on the network pulls a real instance out of discovery. On main before
  // management auth this answered success and the instance vanished from every lookup (the
  // token field was only stored for the audit log, never checked).
  it('refuses to pull out an instance anonymously, and the instance stays discoverable', async () => {
    for (const body of [pullOut(), pullOut({ token: 'anything' })]) {
      const res = await postJson(`${n.url}/api/management/operate-instance.json`, body);
      expect(res.status).toBe(403);
      expect(res.body.responseStatus).toMatchObject({ errorCode: 'no-permission', status: 'fail' });
    }
    const forged = await postJson(`${n.url}/api/management/operate-server.json`, { serverKey: { regionId: 'SHA', serverId: '10.1.2.3' }, operation: 'x', operatorId: 'm' });
    expect(forged.status).toBe(403);
    n.node.discovery.flush();
    expect(await discoverable(n.url)).toEqual([KEY.instanceId]);
    expect((await postJson(`${n.url}/api/management/all-instance-operations.json`, {})).body.allInstanceOperations).toEqual([]);
  });

  it('every management-write and admin endpoint refuses a call without a token', async () => {
    const doc = (await getJson(`${n.url}/openapi.json`)).body;
    const guarded = Object.entries(doc.paths as Record<string, Record<string, { 'x-artemis-access': string }>>).filter(([, item]) =>
      Object.values(item).some((op) => op['x-artemis-access'] === 'management-write' || op['x-artemis-access'] === 'admin'),
    );
    const records = n.node.router.endpoints.filter((e) => e.access === 'management-write' || e.access === 'admin');
    expect(guarded.map(([path]) => path).sort()).toEqual(records.map((e) => e.path).sort());
    expect(guarded.length).toBeGreaterThan(25);
    for (const [path] of guarded) {
      const res = await postJson(`${n.url}${path}`, { operatorId: 'm', operation: 'o', token: 'nope' });
      expect(res.status, path).toBe(403);
      expect(res.body.responseStatus.errorCode, path).toBe('no-permission');
    }
  });

  it('each scope allows its calls only: register and read cannot write, operate cannot manage tokens', async () => {
    const tokens = {
      read: await createToken(n.url, 'reader', ['read']),
      register: await createToken(n.url, 'registrar', ['register']),
      operate: await createToken(n.url, 'operator', ['operate']),
      admin: await createToken(n.url, 'second-admin', ['admin']),
    };
    const write = (secret: string, complete = false) => postJson(`${n.url}/api/management/operate-instance.json`, pullOut({ operationComplete: complete }), { headers: bearer(secret) });
    for (const scope of ['read', 'register'] as const) {
      const res = await write(tokens[scope]);
      expect(res.status, scope).toBe(403);
      expect(res.body.responseStatus.message).toBe('The token does not grant the operate scope that management writes need.');
    }
    expect((await write(tokens.operate)).body.responseStatus.status).toBe('success');
    expect((await write(tokens.operate, true)).body.responseStatus.status).toBe('success');
    expect((await write(tokens.admin)).body.responseStatus.status).toBe('success');
    expect((await write(tokens.admin, true)).body.responseStatus.status).toBe('success');

    for (const scope of ['read', 'register', 'operate'] as const) {
      const res = await postJson(`${n.url}/api/auth/create-token.json`, { name: `by-${scope}`, scopes: ['admin'] }, { headers: bearer(tokens[scope]) });
      expect(res.status, scope).toBe(403);
      expect(res.body.responseStatus).toMatchObject({ errorCode: 'no-permission', message: 'The token does not grant the admin scope that token administration needs.' });
      expect((await getJson(`${n.url}/api/auth/tokens.json`, bearer(tokens[scope]))).status).toBe(403);
    }
    expect((await postJson(`${n.url}/api/auth/create-token.json`, { name: 'by-admin', scopes: ['read'] }, { headers: bearer(tokens.admin) })).body.responseStatus.status).toBe('success');
    // read and register calls stay anonymous by default, with or without a token
    expect((await postJson(`${n.url}/api/registry/heartbeat.json`, { instances: [instance()] })).body.responseStatus.status).toBe('success');
    expect(await discoverable(n.url)).toEqual([KEY.instanceId]);

    const listed = (await getJson(`${n.url}/api/auth/tokens.json`, ADMIN_HEADERS)).body.tokens as Array<{ name: string; scopes: string[]; createdBy: string }>;
    expect(listed.map((t) => [t.name, t.scopes.join(',')])).toEqual([
      ['admin', 'admin'], ['reader', 'read'], ['registrar', 'register'], ['operator', 'operate'], ['second-admin', 'admin'], ['by-admin', 'read'],
    ]);
    expect(listed[5]!.createdBy).toMatch(/^second-admin \(tk_[0-9a-f]+\)$/);
    expect(JSON.stringify(listed)).not.toContain(tokens.admin);
  });

  it('a Java-style management call with a valid token field succeeds, a wrong one answers no-permission; logs never hold the secret', async () => {
    const java = await createToken(n.url, 'java-console', ['operate']);
    const ok = await postJson(`${n.url}/api/management/operate-instance.json`, pullOut({ operatorId: 'java-ops', token: java }));
    expect(ok.status).toBe(200);
    expect(ok.body.responseStatus.status).toBe('success');
    n.node.discovery.flush();
    expect(await discoverable(n.url)).toEqual([]);
    const wrong = await postJson(`${n.url}/api/management/operate-instance.json`, pullOut({ operatorId: 'java-ops', token: 'ticket-42', operationComplete: true }));
    expect(wrong.status).toBe(403);
    expect(wrong.body.responseStatus).toEqual({ errorCode: 'no-permission', message: 'The token is not valid: unknown or revoked.', status: 'fail' });
    // the field name is read ignoring letter case, as every management field is
    expect((await postJson(`${n.url}/api/management/operate-instance.json`, { ...pullOut({ operatorId: 'java-ops', operationComplete: true }), token: undefined, TOKEN: java })).body.responseStatus.status).toBe('success');

    const logs = (await postJson(`${n.url}/api/management/log/instance-operation-logs.json`, { operatorId: 'java-ops' })).body.logs as Array<{ token: string }>;
    expect(logs).toHaveLength(2);
    const id = (await getJson(`${n.url}/api/auth/whoami.json`, bearer(java))).body.token.id as string;
    for (const row of logs) expect(row.token).toBe(`java-console (${id})`);
    const everyLog = JSON.stringify((await postJson(`${n.url}/api/management/log/instance-operation-logs.json`, {})).body);
    expect(everyLog).not.toContain(java);
    expect(everyLog).not.toContain(TEST_ADMIN_TOKEN);
  });

  it('a revoked token is refused at once; revoking asks for an id or a name that exists', async () => {
    const secret = await createToken(n.url, 'short-lived', ['operate']);
    const write = () => postJson(`${n.url}/api/management/operate-instance.json`, pullOut({ operationComplete: true }), { headers: bearer(secret) });
    expect((await write()).body.responseStatus.status).toBe('success');
    const revoked = await postJson(`${n.url}/api/auth/revoke-token.json`, { id: 'short-lived' }, { headers: ADMIN_HEADERS });
    expect(revoked.body.token.name).toBe('short-lived');
    const refused = await write();
    expect(refused.status).toBe(403);
    expect(refused.body.responseStatus.message).toBe('The token is not valid: unknown or revoked.');
    expect((await postJson(`${n.url}/api/auth/revoke-token.json`, { id: 'short-lived' }, { headers: ADMIN_HEADERS })).body.responseStatus).toMatchObject({ errorCode: 'data-not-found' });
    expect((await postJson(`${n.url}/api/auth/revoke-token.json`, {}, { headers: ADMIN_HEADERS })).body.responseStatus).toMatchObject({ errorCode: 'bad-request' });
    expect((await postJson(`${n.url}/api/auth/create-token.json`, { name: 'operator', scopes: ['read'] }, { headers: ADMIN_HEADERS })).body.responseStatus).toMatchObject({ errorCode: 'bad-request' });
    expect((await postJson(`${n.url}/api/auth/create-token.json`, { name: 'x y', scopes: ['read'] }, { headers: ADMIN_HEADERS })).body.responseStatus).toMatchObject({ errorCode: 'bad-request' });
    expect((await postJson(`${n.url}/api/auth/create-token.json`, { name: 'z', scopes: ['root'] }, { headers: ADMIN_HEADERS })).body.responseStatus).toMatchObject({ errorCode: 'bad-request' });
  });

  it('a malformed Authorization header is refused, not read as the body token', async () => {
    const res = await postJson(`${n.url}/api/management/operate-instance.json`, pullOut({ token: TEST_ADMIN_TOKEN }), { headers: { authorization: `Basic ${TEST_ADMIN_TOKEN}` } });
    expect(res.status).toBe(403);
    expect(res.body.responseStatus.message).toBe('The Authorization header must be "Bearer <token>".');
  });

  it('whoami tells a caller which token it holds', async () => {
    expect((await getJson(`${n.url}/api/auth/whoami.json`)).body).toMatchObject({ managementAuth: true, token: null });
    expect((await getJson(`${n.url}/api/auth/whoami.json`, ADMIN_HEADERS)).body.token).toMatchObject({ name: 'admin', scopes: ['admin'] });
  });

  it('counts refusals and shows that management auth is on', async () => {
    const metrics = (await fetch(`${n.url}/metrics`).then((r) => r.text())).split('\n');
    expect(metrics).toContain('artemis_security_management_auth_enabled 1');
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => void err.push(t) };
    expect(await runClientCommand(['status', '--url', n.url], { io, env: {}, onStop: () => () => undefined })).toBe(0);
    expect(err).toEqual([]);
    expect(metrics.find((l) => l.startsWith('artemis_security_refused_total{scope="operate"}'))).toMatch(/ [1-9]\d*$/);
  });
});

describe('the first admin token', () => {
  it('is created once, in the data directory with mode 0600, and its creation is logged once', async () => {
    const dataDir = tempDataDir();
    const logger = recordingLogger();
    const first = await startTestNode({ dataDir, 'security.initialAdminToken': '' }, { logger });
    const file = join(dataDir, 'admin.token');
    let secret: string;
    try {
      secret = readFileSync(file, 'utf8').trim();
      expect(secret).toMatch(/^art_[A-Za-z0-9_-]{43}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const created = logger.lines.filter((l) => l.msg.startsWith('created the first admin token'));
      expect(created).toHaveLength(1);
      expect(created[0]!.obj).toMatchObject({ file });
      expect(JSON.stringify(logger.lines)).not.toContain(secret);
      expect((await postJson(`${first.url}/api/management/operate-instance.json`, pullOut(), { headers: bearer(secret) })).body.responseStatus.status).toBe('success');
    } finally {
      await first.node.stop();
    }
    const again = recordingLogger();
    const second = await startTestNode({ dataDir, 'security.initialAdminToken': '' }, { logger: again });
    try {
      expect(again.lines.filter((l) => l.msg.startsWith('created the first admin token'))).toEqual([]);
      expect(readFileSync(file, 'utf8').trim()).toBe(secret);
      expect((await getJson(`${second.url}/api/auth/tokens.json`, bearer(secret))).body.tokens).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe('management auth turned off', () => {
  it('lets anonymous writes through, warns at every start, and shows it in status and metrics', async () => {
    const dataDir = tempDataDir();
    const warnings = (logger: ReturnType<typeof recordingLogger>) => logger.lines.filter((l) => l.level === 'warn' && l.msg === SETTING_WARNINGS.managementAuthOff);
    const earlier = recordingLogger();
    await (await startTestNode({ dataDir, 'security.managementAuth': false }, { logger: earlier })).stop();
    expect(warnings(earlier)).toHaveLength(1);
    const logger = recordingLogger();
    const n = await startTestNode({ dataDir, 'security.managementAuth': false }, { logger });
    try {
      expect(warnings(logger)).toHaveLength(1);
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };
      expect(await runClientCommand(['status', '--url', n.url], { io, env: {}, onStop: () => () => undefined })).toBe(0);
      // the same words in the node's log and in artemis status
      expect(err.join('')).toContain(`artemis: warning: ${SETTING_WARNINGS.managementAuthOff}\n`);
      await postJson(`${n.url}/api/registry/register.json`, { instances: [instance()] });
      expect((await postJson(`${n.url}/api/management/operate-instance.json`, pullOut({ token: 'ticket-42' }))).body.responseStatus.status).toBe('success');
      // the audit token is stored as given, as Java nodes do
      const logs = (await postJson(`${n.url}/api/management/log/instance-operation-logs.json`, {})).body.logs;
      expect(logs[0].token).toBe('ticket-42');
      expect((await fetch(`${n.url}/metrics`).then((r) => r.text())).split('\n')).toContain('artemis_security_management_auth_enabled 0');
      const config = (await getJson(`${n.url}/api/status/config.json`)).body.properties;
      expect(config['security.managementAuth']).toContain('value: false');
      expect(config['security.initialAdminToken']).toContain('value: "***"');
      expect((await getJson(`${n.url}/api/auth/whoami.json`)).body.managementAuth).toBe(false);
    } finally {
      await n.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('read and register checks, when configured', () => {
  it('register.requireToken: anonymous register, heartbeat and WebSocket heartbeats are refused; a register token passes', async () => {
    const n = await startTestNode({ 'security.register.requireToken': true });
    try {
      const registrar = await createToken(n.url, 'registrar', ['register']);
      const reader = await createToken(n.url, 'reader', ['read']);
      for (const op of ['register', 'heartbeat', 'unregister']) {
        // plain JSON takes the direct path, gzip-less with a charset too; both run the guard
        for (const headers of [{}, { 'content-type': 'application/json;charset=UTF-8' }, bearer(reader)] as Array<Record<string, string>>) {
          const res = await postJson(`${n.url}/api/registry/${op}.json`, { instances: [instance()] }, { headers });
          expect(res.status, op).toBe(403);
          expect(res.body.responseStatus.errorCode).toBe('no-permission');
        }
      }
      const gz = await postJson(`${n.url}/api/registry/register.json`, { instances: [instance()] }, { gzip: true });
      expect(gz.status).toBe(403);
      expect((await postJson(`${n.url}/api/registry/register.json`, { instances: [instance()] }, { headers: bearer(registrar) })).body.responseStatus.status).toBe('success');
      expect((await postJson(`${n.url}/api/registry/register.json`, { instances: [instance()] }, { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
      // discovery stays anonymous
      n.node.discovery.flush();
      expect(await discoverable(n.url)).toEqual([KEY.instanceId]);
      await expect(TestSocket.open(wsUrl(n.url, '/ws/registry/heartbeat'))).rejects.toThrow(/403/);
      const socket = await TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change'));
      socket.ws.close();
    } finally {
      await n.stop();
    }
  });

  it('read.requireToken: discovery needs a read token (GET service.json on the direct path too), WebSocket subscriptions as well', async () => {
    const n = await startTestNode({ 'security.read.requireToken': true });
    try {
      await postJson(`${n.url}/api/registry/register.json`, { instances: [instance()] });
      n.node.discovery.flush();
      const reader = await createToken(n.url, 'reader', ['read']);
      const get = `${n.url}/api/discovery/service.json?serviceId=demo.order&regionId=SHA&zoneId=sha-z1`;
      expect((await getJson(get)).status).toBe(403);
      expect((await getJson(`${n.url}/api/discovery/service.json?serviceid=demo.order&regionId=SHA`)).status).toBe(403);
      expect((await postJson(`${n.url}/api/discovery/lookup.json`, lookupBody)).status).toBe(403);
      expect((await postJson(`${n.url}/api/management/all-instance-operations.json`, {})).status).toBe(403);
      expect((await getJson(get, bearer(reader))).body.service.instances).toHaveLength(1);
      expect((await postJson(`${n.url}/api/discovery/lookup.json`, lookupBody, { headers: bearer(reader) })).status).toBe(200);
      // status and probes stay open
      expect((await getJson(`${n.url}/api/status/node.json`)).status).toBe(200);
      expect((await getJson(`${n.url}/health`)).status).toBe(200);
      await expect(TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change'))).rejects.toThrow(/403/);
    } finally {
      await n.stop();
    }
  });

  it('allowedCidrs restrict a scope to address ranges', async () => {
    const outside = await startTestNode({ 'security.register.allowedCidrs': '10.0.0.0/8,fd00::/8', 'security.operate.allowedCidrs': '192.168.0.0/16' });
    const inside = await startTestNode({ 'security.register.allowedCidrs': '127.0.0.0/8' });
    try {
      const refused = await postJson(`${outside.url}/api/registry/register.json`, { instances: [instance()] });
      expect(refused.status).toBe(403);
      expect(refused.body.responseStatus.message).toBe('Calls of this kind are not accepted from this address (security.*.allowedCidrs).');
      // a valid admin token does not lift an address restriction
      expect((await postJson(`${outside.url}/api/management/operate-instance.json`, pullOut(), { headers: ADMIN_HEADERS })).status).toBe(403);
      expect((await postJson(`${inside.url}/api/registry/register.json`, { instances: [instance()] })).body.responseStatus.status).toBe('success');
    } finally {
      await Promise.all([outside.stop(), inside.stop()]);
    }
  });
});

describe('tokens shared by the nodes of a cluster', () => {
  let redisUrl: string | undefined;
  const prefix = uniqueKeyPrefix('auth');
  beforeAll(async () => {
    redisUrl = await redisUrlForTests();
  });
  afterAll(async () => {
    if (redisUrl !== undefined) await deleteKeysWithPrefix(redisUrl, prefix);
  });

  it('a token made on one node works on the other, and its revocation reaches both', async (ctx) => {
    if (redisUrl === undefined) return ctx.skip();
    const flags = { 'store.url': redisUrl, 'store.keyPrefix': prefix };
    const a = await startTestNode(flags);
    const b = await startTestNode(flags);
    try {
      // only the first node created the admin token; both accept it
      expect((await getJson(`${b.url}/api/auth/tokens.json`, ADMIN_HEADERS)).body.tokens).toHaveLength(1);
      const secret = await createToken(a.url, 'deploy-bot', ['operate']);
      const write = (url: string) => postJson(`${url}/api/management/operate-instance.json`, pullOut({ operationComplete: true }), { headers: bearer(secret) });
      await waitFor(async () => (await write(b.url)).status, { until: (s) => s === 200 });
      await postJson(`${b.url}/api/auth/revoke-token.json`, { id: 'deploy-bot' }, { headers: ADMIN_HEADERS });
      await waitFor(async () => (await write(a.url)).status, { until: (s) => s === 403 });
      expect((await write(b.url)).status).toBe(403);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
