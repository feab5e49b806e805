import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type RunningNode } from '../helpers/node.js';

/** Status reads marked as operator traffic use rateLimit.operator, counted apart from the Java-sized rateLimit.status. */
describe('operator status reads', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ 'rateLimit.status.limits': { 'get-leases': 3 }, 'rateLimit.operator.defaultLimit': 8 });
  });
  afterAll(async () => {
    await n.stop();
  });

  const leases = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${n.url}/api/status/leases.json`, { headers });
    return ((await res.json()) as { responseStatus: { errorCode: string } }).responseStatus.errorCode;
  };

  it('an operator keeps reading after the machines budget is spent, within its own bound', async () => {
    const machine = [];
    for (let i = 0; i < 4; i++) machine.push(await leases());
    expect(machine).toEqual(['success', 'success', 'success', 'rate-limited']);
    const operator = [];
    for (let i = 0; i < 9; i++) operator.push(await leases({ 'x-artemis-caller': 'operator' }));
    expect(operator.slice(0, 8)).toEqual(Array(8).fill('success'));
    expect(operator[8]).toBe('rate-limited');
    // the operator's calls did not give the machines their budget back, nor take more of it
    expect(await leases()).toBe('rate-limited');
  });
});
