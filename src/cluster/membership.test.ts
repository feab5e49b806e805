import { describe, expect, it } from 'vitest';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import { readMemberRecord, Membership, type MemberRecord, type MemberState } from './membership.js';

const SETTINGS = { suspectAfterMs: 1_000, deadAfterMs: 3_000, forgetAfterMs: 10_000 };

function status(url: string, s: ServiceNodeStatus['status'] = 'up'): ServiceNodeStatus {
  return {
    allowDiscoveryFromOtherZone: true, allowRegistryFromOtherZone: true, canServiceDiscovery: true, canServiceRegistry: true,
    node: { url, zone: { metadata: null, regionId: 'SHA', zoneId: 'z1' } }, status: s,
  };
}

function rec(nodeId: string, incarnation: number, heartbeat: number, state: MemberState = 'alive'): MemberRecord {
  const url = `http://${nodeId}:8080`;
  return { nodeId, url, incarnation, heartbeat, state, nodeStatus: status(url), storeId: '' };
}

const stateOf = (m: Membership, id: string) => m.get(id)?.state;

describe('Membership', () => {
  it('learns members from gossip and answers with itself first', () => {
    const m = new Membership(rec('a', 100, 0), SETTINGS);
    const events = m.merge([rec('b', 5, 1), rec('c', 7, 3)], 0);
    expect(events.map((e) => `${e.nodeId}:${e.from}->${e.to}`)).toEqual(['b:unknown->alive', 'c:unknown->alive']);
    expect(m.records().map((r) => r.nodeId)).toEqual(['a', 'b', 'c']);
  });

  it('marks a silent member suspect, then dead, then forgets it', () => {
    const m = new Membership(rec('a', 100, 0), SETTINGS);
    m.merge([rec('b', 5, 1)], 0);
    expect(m.check(1_000)).toEqual([]);
    expect(m.check(1_001).map((e) => e.to)).toEqual(['suspect']);
    expect(m.check(3_001).map((e) => e.to)).toEqual(['dead']);
    expect(m.check(13_001)).toEqual([]);
    expect(m.get('b')).toBeDefined();
    m.check(13_002);
    expect(m.get('b')).toBeUndefined();
  });

  it('keeps a member alive while its heartbeat advances through any relay', () => {
    const m = new Membership(rec('a', 100, 0), SETTINGS);
    m.merge([rec('b', 5, 1)], 0);
    for (let t = 500; t <= 5_000; t += 500) {
      m.merge([rec('b', 5, t)], t);
      m.check(t);
    }
    expect(stateOf(m, 'b')).toBe('alive');
    // A stale relay (lower heartbeat) proves nothing.
    m.merge([rec('b', 5, 1)], 6_500);
    m.check(6_500);
    expect(stateOf(m, 'b')).toBe('suspect');
  });

  it('takes the graver state within an incarnation and the newer incarnation over any state', () => {
    const m = new Membership(rec('a', 100, 0), SETTINGS);
    m.merge([rec('b', 5, 10)], 0);
    m.merge([rec('b', 5, 9, 'suspect')], 10);
    expect(stateOf(m, 'b')).toBe('suspect');
    m.merge([rec('b', 5, 20, 'alive')], 20);
    expect(stateOf(m, 'b')).toBe('suspect');
    m.merge([rec('b', 6, 21, 'alive')], 30);
    expect(stateOf(m, 'b')).toBe('alive');
    m.merge([rec('b', 6, 21, 'left')], 40);
    expect(stateOf(m, 'b')).toBe('left');
    m.merge([rec('b', 6, 99, 'alive')], 50);
    expect(stateOf(m, 'b')).toBe('left');
    // A restart comes back with a larger incarnation (its start time).
    m.merge([rec('b', 1_000, 0, 'alive')], 60);
    expect(stateOf(m, 'b')).toBe('alive');
  });

  it('refutes a suspicion about itself by raising its incarnation', () => {
    const m = new Membership(rec('a', 100, 0), SETTINGS);
    m.merge([rec('a', 100, 0, 'suspect')], 0);
    expect(m.self.incarnation).toBe(101);
    expect(m.self.state).toBe('alive');
    m.merge([rec('a', 100, 0, 'dead')], 0);
    expect(m.self.incarnation).toBe(101);
    m.merge([rec('a', 101, 0, 'dead')], 0);
    expect(m.self.incarnation).toBe(102);
    // Another node that merges the refutation sees it alive again.
    const b = new Membership(rec('b', 5, 0), SETTINGS);
    b.merge([rec('a', 101, 3, 'dead')], 0);
    b.merge([m.self], 1);
    expect(stateOf(b, 'a')).toBe('alive');
  });

  it('does not refute once it has left', () => {
    const m = new Membership(rec('a', 100, 0), SETTINGS);
    m.updateSelf({ state: 'left' });
    m.merge([rec('a', 100, 0, 'dead')], 0);
    expect(m.self).toMatchObject({ incarnation: 100, state: 'left' });
  });

  it('a direct answer counts as hearing from the member', () => {
    const m = new Membership(rec('a', 100, 0), SETTINGS);
    m.merge([rec('b', 5, 1)], 0);
    m.heardFrom('b', 900);
    expect(m.check(1_500)).toEqual([]);
  });

  it('rejects malformed gossip records and keeps only known fields of good ones', () => {
    expect(readMemberRecord(rec('b', 1, 1))).toEqual(rec('b', 1, 1));
    expect(readMemberRecord({ ...rec('b', 1, 1), extra: 'x' })).toEqual(rec('b', 1, 1));
    expect(readMemberRecord({ ...rec('b', 1, 1), state: 'zombie' })).toBeNull();
    expect(readMemberRecord({ ...rec('b', 1, 1), url: 'ftp://x' })).toBeNull();
    expect(readMemberRecord({ ...rec('b', 1, 1), incarnation: 1.5 })).toBeNull();
    expect(readMemberRecord({ ...rec('b', 1, 1), nodeStatus: null })).toBeNull();
    const noZone = rec('b', 1, 1);
    expect(readMemberRecord({ ...noZone, nodeStatus: { ...noZone.nodeStatus, node: { url: 'http://b' } } })).toBeNull();
    expect(readMemberRecord({ ...noZone, nodeStatus: { ...noZone.nodeStatus, status: 'great' } })).toBeNull();
    expect(readMemberRecord(null)).toBeNull();
  });

  it('does not adopt a member first heard of as dead or departed, so a forgotten member stays forgotten', () => {
    const m = new Membership(rec('a', 100, 0), SETTINGS);
    m.merge([rec('b', 5, 1, 'dead'), rec('c', 5, 1, 'left')], 0);
    expect(m.others()).toEqual([]);
    m.merge([rec('b', 5, 1)], 0);
    m.check(3_002);
    m.check(13_003);
    expect(m.get('b')).toBeUndefined();
    m.merge([rec('b', 5, 1, 'dead')], 13_004); // a slower peer still gossips it as dead
    expect(m.get('b')).toBeUndefined();
  });

  it('carries each member\'s store identity, from the record and from later heartbeats', () => {
    const m = new Membership(rec('a', 1, 0), SETTINGS);
    expect(readMemberRecord({ ...rec('b', 1, 1), storeId: 'store-1' })?.storeId).toBe('store-1');
    expect(readMemberRecord({ ...rec('b', 1, 1), storeId: 42 })?.storeId).toBe('');
    m.merge([{ ...rec('b', 1, 1), storeId: 'store-1' }], 1_000);
    expect(m.get('b')?.storeId).toBe('store-1');
    m.merge([{ ...rec('b', 1, 2), storeId: 'store-2' }], 1_100);
    expect(m.get('b')?.storeId).toBe('store-2');
    expect(m.records().find((r) => r.nodeId === 'b')?.storeId).toBe('store-2');
  });
});
