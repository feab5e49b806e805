import { describe, expect, it } from 'vitest';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import { INCARNATION_SLACK, readMemberRecord, Membership, type MemberRecord, type MemberState } from './membership.js';

const SETTINGS = { suspectAfterMs: 1_000, deadAfterMs: 3_000, forgetAfterMs: 10_000, maxClockSkewMs: 30_000 };

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

  describe('what one gossip message can do to members', () => {
    const NOW = 1_700_000_000_000;
    const sender = rec('m', NOW, 1);

    it('takes `left` only from the member itself', () => {
      const a = new Membership(rec('a', NOW, 0), SETTINGS);
      a.merge([rec('b', NOW - 5, 10)], NOW);
      a.merge([sender, rec('b', NOW - 5, 11, 'left')], NOW + 1);
      expect(stateOf(a, 'b')).toBe('alive');
      a.merge([rec('b', NOW - 5, 12, 'left')], NOW + 2);
      expect(stateOf(a, 'b')).toBe('left');
    });

    it('drops incarnations no owner could have produced, so a claim cannot lock a member out', () => {
      const a = new Membership(rec('a', NOW, 0), SETTINGS);
      a.merge([rec('b', NOW - 5, 10)], NOW);
      const bound = NOW + SETTINGS.maxClockSkewMs + INCARNATION_SLACK;
      a.merge([sender, rec('b', Number.MAX_SAFE_INTEGER, 0, 'dead'), rec('x', bound + 1, 0)], NOW);
      expect(a.get('b')).toMatchObject({ state: 'alive', incarnation: NOW - 5 });
      expect(a.get('x')).toBeUndefined();
      a.merge([sender, rec('b', bound, 0, 'dead')], NOW);
      expect(stateOf(a, 'b')).toBe('dead');
    });

    it('lets the owner refute any claim it accepts, and every node takes the refutation', () => {
      const b = new Membership(rec('b', NOW, 0), SETTINGS);
      // b's clock is behind a's by the whole skew: a accepts a claim b does not take up yet.
      const a = new Membership(rec('a', NOW, 0), SETTINGS);
      const aNow = NOW + SETTINGS.maxClockSkewMs;
      const claim = rec('b', aNow + SETTINGS.maxClockSkewMs + INCARNATION_SLACK, 0, 'dead');
      a.merge([rec('b', NOW, 1)], aNow);
      a.merge([sender, claim], aNow);
      expect(stateOf(a, 'b')).toBe('dead');
      b.merge([rec('a', NOW, 1), claim], NOW);
      expect(b.self.incarnation).toBe(NOW);
      // As b's clock moves on, it takes the claim up and refutes it; a accepts the refutation.
      const later = claim.incarnation - INCARNATION_SLACK;
      b.merge([rec('a', NOW, 2), claim], later);
      expect(b.self.incarnation).toBe(claim.incarnation + 1);
      b.tick();
      a.merge([b.self], later + SETTINGS.maxClockSkewMs);
      expect(stateOf(a, 'b')).toBe('alive');
      // A self-claim within bounds is refuted at once, and the result stays a safe integer.
      const c = new Membership(rec('c', NOW, 0), SETTINGS);
      c.merge([sender, rec('c', NOW + INCARNATION_SLACK, 0, 'suspect')], NOW);
      expect(c.self.incarnation).toBe(NOW + INCARNATION_SLACK + 1);
      expect(Number.isSafeInteger(c.self.incarnation)).toBe(true);
    });

    it("changes a known member's URL only when the member itself says so", () => {
      const a = new Membership(rec('a', NOW, 0), SETTINGS);
      a.merge([sender, rec('b', NOW - 5, 1)], NOW);
      expect(a.get('b')?.url).toBe('http://b:8080');
      a.merge([sender, { ...rec('b', NOW - 5, 2), url: 'http://evil:1' }], NOW + 1);
      a.merge([sender, { ...rec('b', NOW - 4, 0, 'suspect'), url: 'http://evil:1' }], NOW + 2);
      expect(a.get('b')).toMatchObject({ url: 'http://b:8080', incarnation: NOW - 4 });
      a.merge([{ ...rec('b', NOW - 3, 0), url: 'http://b2:8080' }], NOW + 3);
      expect(a.get('b')?.url).toBe('http://b2:8080');
    });

    it('tells each refusal by its rule, and nothing for what it takes or already holds', () => {
      const refused: string[] = [];
      const a = new Membership(rec('a', NOW, 0), SETTINGS, (reason) => refused.push(reason));
      a.merge([sender, rec('b', NOW - 5, 1)], NOW);
      a.merge([sender, rec('b', NOW - 5, 2, 'suspect'), rec('c', NOW - 5, 1, 'dead'), rec('b', NOW - 5, 1)], NOW + 1);
      expect(refused).toEqual([]);
      const bound = NOW + SETTINGS.maxClockSkewMs + INCARNATION_SLACK;
      a.merge([sender, rec('b', NOW - 5, 3, 'left'), { ...rec('b', NOW - 5, 4), url: 'http://evil:1' }, rec('x', bound + 3, 0)], NOW + 2);
      expect(refused).toEqual(['left-from-other', 'url-from-other', 'incarnation']);
      // a stale relay of another URL changes nothing, so nothing is refused
      a.merge([sender, { ...rec('b', NOW - 5, 1), url: 'http://evil:1' }], NOW + 3);
      // a relayed leave of a member already held dead takes nothing away
      a.check(NOW + 10_000);
      expect(stateOf(a, 'b')).toBe('dead');
      a.merge([sender, rec('b', NOW - 5, 5, 'left')], NOW + 10_001);
      expect(refused).toHaveLength(3);
      // the member's own leave and own new URL are taken
      a.merge([{ ...rec('b', NOW - 4, 0), url: 'http://b2:8080' }], NOW + 10_002);
      a.merge([{ ...rec('b', NOW - 4, 1, 'left'), url: 'http://b2:8080' }, sender], NOW + 10_003);
      expect(a.get('b')).toMatchObject({ state: 'left', url: 'http://b2:8080' });
      expect(refused).toHaveLength(3);
    });
  });
});
