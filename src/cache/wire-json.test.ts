import { describe, expect, it } from 'vitest';
import { makeInstance } from '../core/wire/instance.js';
import { makeService, type Service } from '../core/wire/service.js';
import { instanceJson, joinFragments, serviceJson } from './wire-json.js';

const a = makeInstance({ instanceId: 'a', serviceId: 'demo', metadata: { z: '1', a: null }, port: 80, url: 'http://a' });
const b = makeInstance({ instanceId: 'b', serviceId: 'demo', url: 'http://b "quoted"' });

describe('serviceJson', () => {
  const cases: Array<[string, Service]> = [
    ['bare', makeService('demo.order')],
    ['null id', makeService(null)],
    ['instances', makeService('demo', [a, b])],
    ['empty instances', makeService('demo', [])],
    [
      'filtered',
      {
        instances: [a],
        logicInstances: [],
        metadata: { k: 'v' },
        routeRules: [{ groups: null, routeId: 'default-route-rule', strategy: 'weighted-round-robin' }],
        serviceId: 'Demo',
      },
    ],
  ];
  for (const [name, service] of cases) {
    it(`equals JSON.stringify for ${name}`, () => {
      expect(serviceJson(service)).toBe(JSON.stringify(service));
    });
  }

  it('writes undefined fields as null', () => {
    const s = { ...makeService('x'), routeRules: undefined } as unknown as Service;
    expect(serviceJson(s)).toBe('{"instances":null,"logicInstances":null,"metadata":null,"routeRules":null,"serviceId":"x"}');
  });

  it('writes an instance as JSON.stringify does, and null as null', () => {
    expect(instanceJson(a)).toBe(JSON.stringify(a));
    expect(instanceJson(null)).toBe('null');
  });
});

describe('joinFragments', () => {
  it('joins fragments into an array', () => {
    const out = joinFragments('{"x":', [Buffer.from('1'), Buffer.from('{"a":2}')], '}');
    expect(out.toString()).toBe('{"x":[1,{"a":2}]}');
    expect(joinFragments('', [], '').toString()).toBe('[]');
  });
});
