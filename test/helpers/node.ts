import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createNode, type ArtemisNode, type NodeOverrides } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { noteListening } from './http.js';
import { noteNodeUnderTest } from './openapi-responses.js';

export type ConfigFlags = Record<string, unknown>;

/** A fresh temporary directory for one node's files (its SQLite management store). */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'artemis-test-'));
}

/**
 * The secret of the admin token every test node creates at its first start
 * (`security.initialAdminToken`), and the header that sends it: management writes need it.
 */
export const TEST_ADMIN_TOKEN = 'art_test-admin-secret-0123456789abcdefghij';
export const ADMIN_HEADERS: Readonly<Record<string, string>> = Object.freeze({ authorization: `Bearer ${TEST_ADMIN_TOKEN}` });

/**
 * A configuration for tests: port 0, loopback, region SHA / zone sha-z1, own data dir, the known
 * first admin token (TEST_ADMIN_TOKEN), plus dotted overrides.
 */
export function testConfig(flags: ConfigFlags = {}) {
  return loadConfig({
    flags: {
      port: 0, host: '127.0.0.1', regionId: 'SHA', zoneId: 'sha-z1', logLevel: 'silent', dataDir: tempDataDir(),
      'security.initialAdminToken': TEST_ADMIN_TOKEN, ...flags,
    },
  }).config;
}

export interface RunningNode {
  node: ArtemisNode;
  url: string;
  stop(): Promise<void>;
}

/** Starts a real node on an ephemeral port. Always stop it in `finally`/`afterAll`. */
export async function startTestNode(flags: ConfigFlags = {}, overrides: NodeOverrides = {}): Promise<RunningNode> {
  const config = testConfig(flags);
  const node = createNode(config, overrides);
  const { port } = await node.start();
  const ownDir = flags.dataDir === undefined;
  const url = `http://127.0.0.1:${port}`;
  noteListening(node, url);
  await noteNodeUnderTest(url);
  return {
    node,
    url,
    stop: async () => {
      await node.stop();
      if (ownDir) rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

/** A wired, not listening node whose management store is open, for in-process management tests. */
export async function inProcessManagedNode(flags: ConfigFlags = {}, overrides: NodeOverrides = {}): Promise<ArtemisNode> {
  const node = inProcessNode(flags, overrides);
  await node.security.part.start();
  await node.management.start();
  return node;
}

/** A node that is wired but not started (no server of its own; `request()` serves it on a port of its own). */
export function inProcessNode(flags: ConfigFlags = {}, overrides: NodeOverrides = {}): ArtemisNode {
  const node = createNode(testConfig(flags), overrides);
  node.state.markUp();
  return node;
}

export function instance(overrides: Record<string, unknown> = {}) {
  return {
    groupId: null,
    healthCheckUrl: null,
    instanceId: '10.1.2.3:8080',
    ip: '10.1.2.3',
    machineName: null,
    metadata: null,
    port: 8080,
    protocol: 'http',
    regionId: 'SHA',
    serviceId: 'demo.order',
    status: 'up',
    url: 'http://10.1.2.3:8080/order',
    zoneId: 'sha-z1',
    ...overrides,
  };
}

export interface JsonCall {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** POSTs JSON (optionally gzip-compressed) and parses the answer. */
export async function postJson(url: string, body: unknown, opts: { gzip?: boolean; headers?: Record<string, string> } = {}): Promise<JsonCall> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  let payload: Uint8Array | string = raw;
  if (opts.gzip === true) {
    payload = gzipSync(raw);
    headers['content-encoding'] = 'gzip';
  }
  const res = await fetch(url, { method: 'POST', headers, body: payload });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonCall> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}
