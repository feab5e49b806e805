import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementClient, type ManagementTransport } from '../../src/client/management.js';
import { TokenClient } from '../../src/client/tokens.js';
import type { HttpAnswer, HttpRequest } from '../../src/client/http.js';
import { SUCCESS } from '../../src/core/response-status.js';
import { LOG_ENDPOINTS } from '../../src/core/wire/management.js';
import { getJson, startTestNode, type RunningNode } from '../helpers/node.js';

/** The SDK's management and token clients call only paths the node serves, with a method it documents. */

/** Answers every call with success and notes its method and path. */
function recorder(): { transport: ManagementTransport; calls: string[] } {
  const calls: string[] = [];
  const transport: ManagementTransport = {
    request: (req: HttpRequest) => {
      calls.push(`${req.method ?? 'POST'} ${req.path}`);
      const answer: HttpAnswer = { node: 'recorded', httpStatus: 200, headers: new Headers(), body: { responseStatus: SUCCESS }, responseStatus: SUCCESS };
      return Promise.resolve(answer);
    },
  };
  return { transport, calls };
}

/** Calls every public method of `client` (the log method once per log endpoint). */
async function callEverything(client: object, skip: readonly string[]): Promise<number> {
  const proto = Object.getPrototypeOf(client) as Record<string, unknown>;
  let n = 0;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor' || skip.includes(name) || typeof proto[name] !== 'function') continue;
    const method = proto[name] as (...args: unknown[]) => Promise<unknown>;
    if (name === 'logs') {
      for (const log of LOG_ENDPOINTS) await method.call(client, log.path, {});
      n += LOG_ENDPOINTS.length;
    } else {
      await method.call(client, {}, {});
      n++;
    }
  }
  return n;
}

describe('the SDK names the endpoints the node mounts', () => {
  let node: RunningNode;
  let documented: Set<string>;

  beforeAll(async () => {
    node = await startTestNode();
    const doc = (await getJson(`${node.url}/openapi.json`)).body as { paths: Record<string, Record<string, unknown>> };
    documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
  });

  afterAll(async () => {
    await node?.stop();
  });

  it('every ManagementClient call goes to a documented management path', async () => {
    const { transport, calls } = recorder();
    const count = await callEverything(new ManagementClient({ transport }), ['call', 'close']);
    expect(count).toBeGreaterThan(20);
    expect(calls).toHaveLength(count);
    expect(calls.filter((c) => !documented.has(c))).toEqual([]);
  });

  it('every TokenClient call goes to a documented /api/auth path', async () => {
    const { transport, calls } = recorder();
    const count = await callEverything(new TokenClient({ transport }), ['close']);
    expect(count).toBe(4);
    expect(calls.filter((c) => !c.startsWith('POST /api/auth/') || !documented.has(c))).toEqual([]);
  });
});
