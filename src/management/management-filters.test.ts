import { describe, expect, it } from 'vitest';
import { makeInstance, type Instance } from '../core/wire/instance.js';
import { makeService, type DiscoveryConfig, type Service } from '../core/wire/service.js';
import { operationRow } from '../store/index.js';
import { downFilter, groupFilter } from './management-filters.js';
import { ManagementState } from './management-state.js';

const inst = (n: number): Instance =>
  makeInstance({ regionId: 'SHA', zoneId: 'sha-z1', serviceId: 'demo', instanceId: `i${n}`, ip: `10.0.0.${n}`, url: `http://h${n}`, port: 80, status: 'up' });
const config: DiscoveryConfig = { discoveryData: {}, regionId: null, serviceId: 'demo', zoneId: null };

/** The service as the two filters give it. */
function filtered(state: ManagementState, instances: Instance[]): Service {
  const service = makeService('demo', instances);
  for (const f of [groupFilter(() => state), downFilter(() => state)]) f.filter(service, config);
  return service;
}

describe('management filters on removal', () => {
  const fleet = [1, 2, 3, 4].map(inst);
  const pulledOut = [operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'demo', instanceId: 'i2', operation: 'pullout' })];

  it('say a removal leaves the rest of a service as it was exactly when it does', () => {
    const plain = new ManagementState(pulledOut);
    const canary = new ManagementState(pulledOut, [{ serviceId: 'demo', appId: 'app', regionId: 'SHA', ips: ['i3'] }]);
    for (const [state, keeps] of [[plain, true], [canary, false]] as const) {
      const keep = [groupFilter(() => state), downFilter(() => state)].every((f) => f.keepOnRemoval?.('demo') === true);
      expect(keep).toBe(keeps);
      const before = filtered(state, fleet);
      const after = filtered(state, fleet.filter((x) => x !== fleet[2]));
      const left = { ...before, instances: before.instances!.filter((x) => x !== fleet[2]) };
      expect(JSON.stringify(after) === JSON.stringify(left)).toBe(keeps);
    }
  });
});
