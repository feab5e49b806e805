import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

describe('WebSocket heartbeat frames within the turn budget', () => {
  let n: RunningNode;
  let hb: TestSocket | undefined;

  beforeAll(async () => {
    // a budget every frame spends: each frame after the first of a turn waits for a later turn
    n = await startTestNode({ 'http.turnSliceMs': 0.000_001 });
  });
  afterAll(async () => {
    hb?.close();
    await n.stop();
  });

  it('answers a burst of frames once each, in the order they were sent, with the session paused and resumed in between', async () => {
    const known = Array.from({ length: 100 }, (_, i) => instance({ instanceId: `turns-${i}`, serviceId: 'ws.turns' }));
    const unknown = instance({ instanceId: 'turns-unknown', serviceId: 'ws.turns' });
    await postJson(`${n.url}/api/registry/register.json`, { instances: known });
    hb = await TestSocket.open(wsUrl(n.url, '/ws/registry/heartbeat'));
    const frames = 300;
    // written in one go: the node reads many of them in one turn
    for (let f = 0; f < frames; f++) hb.send({ instances: f % 3 === 2 ? [unknown] : known });
    const codes: string[] = [];
    for (let f = 0; f < frames; f++) codes.push((await hb.next(10_000)).responseStatus.status);
    expect(codes).toEqual(Array.from({ length: frames }, (_, f) => (f % 3 === 2 ? 'partial_fail' : 'success')));
    expect(await hb.quietFor(50)).toBe(true);
    const metrics = await (await fetch(`${n.url}/metrics`)).text();
    const deferred = Number(/^artemis_http_deferred_bodies_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    expect(deferred).toBeGreaterThan(0);
    // the session still reads after its waiting frames ran
    hb.send({ instances: [known[0]] });
    expect((await hb.next()).responseStatus.status).toBe('success');
  });
});
