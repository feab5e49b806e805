import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ArtemisNode } from '../../src/app.js';
import { request } from '../helpers/http.js';
import { inProcessNode, instance } from '../helpers/node.js';
import type { WireInstance, WireChange, WireService } from '../helpers/wire-types.js';

/** With fake timers: registry changes reach every discovery read within one sweep plus the coalescing window. */

const SWEEP = 100;
const WINDOW = 20;
const TTL = 5_000;

interface Answer {
  services: WireService[];
  service: WireService;
  delta: Record<string, WireChange[]>;
}

async function post(node: ArtemisNode, path: string, body: unknown): Promise<Answer> {
  const res = await request(node, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return JSON.parse(await res.text()) as Answer;
}

const lookupIds = async (node: ArtemisNode) =>
  ((await post(node, '/api/discovery/lookup.json', { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' }))
    .services[0]!.instances ?? []).map((i: WireInstance) => i.instanceId);
const serviceIds = async (node: ArtemisNode) =>
  ((await post(node, '/api/discovery/service.json', { discoveryConfig: { serviceId: 'demo.order' }, regionId: 'SHA' })).service.instances ?? []).map(
    (i: WireInstance) => i.instanceId,
  );
const snapshotIds = (node: ArtemisNode) =>
  (JSON.parse(node.discovery.cache.servicesBody().bytes.toString()) as Answer).services.flatMap((s) => (s.instances ?? []).map((i: WireInstance) => i.instanceId));
const deltaSince = (node: ArtemisNode, version: number) => post(node, '/api/discovery/services-delta.json', { version });

describe('discovery timing', () => {
  let node: ArtemisNode;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    node = inProcessNode({
      'registry.lease.sweepIntervalMs': SWEEP,
      'registry.lease.ttlMs': TTL,
      'discovery.coalesceMs': WINDOW,
    });
    node.scheduler.start();
  });

  afterEach(async () => {
    await node.stop();
    vi.useRealTimers();
  });

  it('a registration shows in lookup, service.json and the delta after the window', async () => {
    const v0 = node.discovery.cache.version;
    await post(node, '/api/registry/register.json', { instances: [instance()] });
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(snapshotIds(node)).toEqual(['10.1.2.3:8080']);
    expect(await lookupIds(node)).toEqual(['10.1.2.3:8080']);
    expect(await serviceIds(node)).toEqual(['10.1.2.3:8080']);
    const delta = await deltaSince(node, v0);
    expect(delta.delta['demo.order']!.map((c: WireChange) => c.changeType)).toEqual(['new']);
  });

  it('an unregistered instance is gone from every read and the delta as soon as the unregistration answers: no sweep, no window', async () => {
    const other = instance({ instanceId: 'other', url: 'http://other' });
    await post(node, '/api/registry/register.json', { instances: [instance(), other] });
    await vi.advanceTimersByTimeAsync(WINDOW);
    const v = node.discovery.cache.version;
    // a registration just before keeps the coalescing window open: the removal does not wait for it
    await post(node, '/api/registry/register.json', { instances: [instance({ instanceId: 'third', url: 'http://third' })] });
    await post(node, '/api/registry/unregister.json', { instances: [other] });
    // no timer advanced: neither the lease sweep nor the coalescing tick ran
    expect(node.scheduler.busy).toEqual([]);
    expect(snapshotIds(node).sort()).toEqual(['10.1.2.3:8080', 'third']);
    expect((await lookupIds(node)).sort()).toEqual(['10.1.2.3:8080', 'third']);
    expect((await serviceIds(node)).sort()).toEqual(['10.1.2.3:8080', 'third']);
    const changes = (await deltaSince(node, v)).delta['demo.order']!.map((c: WireChange) => [c.changeType, c.instance.instanceId]);
    expect(changes).toContainEqual(['delete', 'other']);
    expect(changes).not.toContainEqual(['new', 'other']);
  });

  it('an unregistered instance stays gone after the sweep and the window', async () => {
    const other = instance({ instanceId: 'other', url: 'http://other' });
    await post(node, '/api/registry/register.json', { instances: [instance(), other] });
    await vi.advanceTimersByTimeAsync(WINDOW);
    const v = node.discovery.cache.version;
    await post(node, '/api/registry/unregister.json', { instances: [other] });
    await vi.advanceTimersByTimeAsync(SWEEP + WINDOW);
    expect(snapshotIds(node)).toEqual(['10.1.2.3:8080']);
    expect(await lookupIds(node)).toEqual(['10.1.2.3:8080']);
    expect(await serviceIds(node)).toEqual(['10.1.2.3:8080']);
    expect((await deltaSince(node, v)).delta['demo.order']!.map((c: WireChange) => [c.changeType, c.instance.instanceId])).toEqual([['delete', 'other']]);
  });

  it('an expired instance disappears within one sweep plus the window after its TTL', async () => {
    await post(node, '/api/registry/register.json', { instances: [instance()] });
    await vi.advanceTimersByTimeAsync(WINDOW);
    const v = node.discovery.cache.version;
    await vi.advanceTimersByTimeAsync(TTL + SWEEP + WINDOW);
    expect(snapshotIds(node)).toEqual([]);
    expect(await lookupIds(node)).toEqual([]);
    expect((await deltaSince(node, v)).delta['demo.order']!.map((c: WireChange) => c.changeType)).toEqual(['delete']);
  });
});
