import { expect } from 'vitest';
import { type ArtemisNode } from '../../src/app.js';
import { instanceKey } from '../../src/core/wire/instance.js';
import { request } from '../helpers/http.js';
import { inProcessNode, type ConfigFlags } from '../helpers/node.js';

/** Texts, calls and checks shared by the registry wire tests (spec 3.2). */
export const SUCCESS_TEXT = '{"failedInstances":null,"responseStatus":{"errorCode":"success","message":"","status":"success"}}';
export const RATE_LIMITED_TEXT =
  '{"failedInstances":null,"responseStatus":{"errorCode":"rate-limited","message":"Request is rate limited.","status":"fail"}}';
export const PARTIAL_FAIL_STATUS = '"responseStatus":{"errorCode":"partial_fail","message":"","status":"partial_fail"}';

/** The instance of spec 2.1/3.2 as the reference writes it (alphabetical keys, nulls present). */
export function instanceText(id: string, ip: string, extra: { zoneId?: string; regionId?: string; url?: string; serviceId?: string } = {}): string {
  const url = extra.url ?? `http://${ip}:8080/order`;
  return (
    `{"groupId":null,"healthCheckUrl":null,"instanceId":"${id}","ip":"${ip}","machineName":null,"metadata":null,` +
    `"port":8080,"protocol":"http","regionId":"${extra.regionId ?? 'SHA'}","serviceId":"${extra.serviceId ?? 'demo.order'}",` +
    `"status":"up","url":"${url}","zoneId":"${extra.zoneId ?? 'sha-z1'}"}`
  );
}

export type Op = 'register' | 'heartbeat' | 'unregister';

export interface Answer {
  status: number;
  text: string;
  contentType: string | null;
}

export async function post(node: ArtemisNode, path: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(node, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

export function call(node: ArtemisNode, op: Op, body: unknown): Promise<Answer> {
  return post(node, `/api/registry/${op}.json`, typeof body === 'string' ? body : JSON.stringify(body));
}

export function node(flags: ConfigFlags = {}): ArtemisNode {
  return inProcessNode(flags);
}

export function isRegistered(n: ArtemisNode, i: Record<string, unknown>): boolean {
  const lease = n.repository.normal.get(
    instanceKey({ regionId: i['regionId'] as string, serviceId: i['serviceId'] as string, instanceId: i['instanceId'] as string }),
  );
  return lease !== undefined && lease.evictionTime === 0;
}

/** Every object in the parsed tree whose keys look like a wire type must have sorted keys. */
export function assertSortedKeys(value: unknown, path = '$'): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertSortedKeys(v, `${path}[${i}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const keys = Object.keys(value);
  if (!path.endsWith('.metadata')) expect(keys, `keys of ${path}`).toEqual([...keys].sort());
  for (const k of keys) assertSortedKeys((value as Record<string, unknown>)[k], `${path}.${k}`);
}
