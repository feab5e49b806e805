import type { ServiceNodeStatus } from '../core/wire/cluster.js';

/** How this node sees a member: alive, suspected of failure, declared dead, or departed. */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** Alive or suspect: a member thought to be running (gossiped with, sent client writes). */
export const isLive = (x: Pick<MemberRecord, 'state'>): boolean => x.state === 'alive' || x.state === 'suspect';

/** One member as gossiped between nodes. */
export interface MemberRecord {
  nodeId: string;
  url: string;
  /** Raised only by the member itself: at start (wall-clock ms) and to refute a suspicion. */
  incarnation: number;
  /** Raised by the member itself every gossip round; proves it is still running. */
  heartbeat: number;
  state: MemberState;
  /** The member's own Java-compatible status (starting, up, down) and zone. */
  nodeStatus: ServiceNodeStatus;
  /** The identity of the member's management store ('' while unknown, or from a build without it). */
  storeId: string;
}

/** A record plus what this node observed locally. */
export interface Member extends MemberRecord {
  /** Local time the member's heartbeat last advanced (or it answered us directly). */
  lastHeardAt: number;
  /** Local time it became dead or left; 0 while alive or suspect. */
  goneAt: number;
}

export interface MembershipSettings {
  suspectAfterMs: number;
  deadAfterMs: number;
  forgetAfterMs: number;
  /** How far another node's clock may be from this one's (cluster.maxClockSkewMs). */
  maxClockSkewMs: number;
}

/**
 * Refutations an owner may have made on top of its start time. An incarnation is the owner's
 * wall clock (ms) when it started, plus one per refutation, so none above
 * `now + maxClockSkewMs + INCARNATION_SLACK` can come from its owner: such records are dropped,
 * which keeps every incarnation far below Number.MAX_SAFE_INTEGER and lets the owner refute
 * any claim it is sent (also after a restart, which starts from its clock again).
 */
export const INCARNATION_SLACK = 1_000_000;

/** What one merge or failure check changed, for logging and peer-list updates. */
export interface MembershipEvent {
  nodeId: string;
  url: string;
  from: MemberState | 'unknown';
  to: MemberState;
}

/**
 * Why a gossiped record, or part of one, was not taken, as counted in
 * `artemis_gossip_refusals_total{reason}`: `malformed` (not a member record), `incarnation`
 * (above what any owner can have made), `left-from-other` (a leave of a live member told by
 * another node), `url-from-other` (a new URL of a known member told by another node).
 */
export type GossipRefusal = 'malformed' | 'incarnation' | 'left-from-other' | 'url-from-other';

const RANK: Record<MemberState, number> = { alive: 0, suspect: 1, dead: 2, left: 3 };

const MEMBER_STATES = new Set<string>(['alive', 'suspect', 'dead', 'left']);

const NODE_STATUSES = new Set<string>(['starting', 'up', 'down', 'unknown']);

function text(v: unknown, max: number): string | null {
  return typeof v === 'string' && v.length <= max ? v : null;
}

function flag(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

/**
 * A gossiped record rebuilt from its known fields only, or null when it is not one: records
 * come from the network and are passed on to other nodes, so nothing else of them is kept.
 */
export function readMemberRecord(value: unknown): MemberRecord | null {
  if (value === null || typeof value !== 'object') return null;
  const r = value as Record<string, unknown>;
  const nodeId = text(r['nodeId'], 512);
  const url = text(r['url'], 2048);
  const state = r['state'];
  if (nodeId === null || nodeId === '' || url === null || !/^https?:\/\//.test(url)) return null;
  if (!Number.isSafeInteger(r['incarnation']) || !Number.isSafeInteger(r['heartbeat'])) return null;
  if (typeof state !== 'string' || !MEMBER_STATES.has(state)) return null;
  const status = r['nodeStatus'] as Record<string, unknown> | null | undefined;
  const node = status?.['node'] as Record<string, unknown> | null | undefined;
  const zone = node?.['zone'] as Record<string, unknown> | null | undefined;
  if (status === null || typeof status !== 'object' || node === null || typeof node !== 'object') return null;
  if (zone === null || typeof zone !== 'object') return null;
  const statusText = status['status'];
  const nodeUrl = text(node['url'], 2048);
  if (typeof statusText !== 'string' || !NODE_STATUSES.has(statusText) || nodeUrl === null) return null;
  return {
    nodeId,
    url,
    storeId: text(r['storeId'], 128) ?? '',
    incarnation: r['incarnation'] as number,
    heartbeat: r['heartbeat'] as number,
    state: state as MemberState,
    nodeStatus: {
      allowDiscoveryFromOtherZone: flag(status['allowDiscoveryFromOtherZone']),
      allowRegistryFromOtherZone: flag(status['allowRegistryFromOtherZone']),
      canServiceDiscovery: flag(status['canServiceDiscovery']),
      canServiceRegistry: flag(status['canServiceRegistry']),
      node: { url: nodeUrl, zone: { metadata: null, regionId: text(zone['regionId'], 512), zoneId: text(zone['zoneId'], 512) } },
      status: statusText as ServiceNodeStatus['status'],
    },
  };
}

/**
 * The membership table of one node (a SWIM-style state machine driven by gossiped heartbeat
 * counters). Pure: time comes from the caller. Ordering of two records of one member: the higher
 * incarnation wins; within an incarnation the graver state wins (alive < suspect < dead < left)
 * and a higher heartbeat proves the member alive again only after it refutes with a new
 * incarnation, which only the member itself can do.
 *
 * What one gossip message can do to members, whoever sends it (`from`: the node whose own record
 * comes first in the message):
 * - `left` is accepted only from the member itself; others can only let it turn suspect and dead;
 * - an incarnation above `now + maxClockSkewMs + INCARNATION_SLACK` is dropped (no owner made it);
 * - a known member's URL changes only when the member itself sends it; a member learned from
 *   another node keeps the URL it was first heard with until it says otherwise.
 */
export class Membership {
  private readonly members = new Map<string, Member>();
  private selfRecord: MemberRecord;

  constructor(
    self: MemberRecord,
    private readonly settings: MembershipSettings,
    /** Told each record (or URL) a merge does not take, by the rule that refuses it. */
    private readonly onRefused: (reason: GossipRefusal) => void = () => undefined,
  ) {
    this.selfRecord = { ...self };
  }

  get self(): MemberRecord {
    return this.selfRecord;
  }

  /** Updates this node's own record (status, url); `heartbeat` is raised by `tick`. */
  updateSelf(patch: Partial<Pick<MemberRecord, 'url' | 'nodeStatus' | 'state' | 'storeId'>>): void {
    this.selfRecord = { ...this.selfRecord, ...patch };
  }

  /** Raises this node's heartbeat; called once per gossip round. */
  tick(): void {
    this.selfRecord = { ...this.selfRecord, heartbeat: this.selfRecord.heartbeat + 1 };
  }

  /** Every other member this node knows, in no particular order. */
  others(): Member[] {
    return [...this.members.values()];
  }

  get(nodeId: string): Member | undefined {
    return this.members.get(nodeId);
  }

  /** The table as gossiped: this node first, then every member it has not forgotten. */
  records(): MemberRecord[] {
    const out: MemberRecord[] = [this.selfRecord];
    for (const m of this.members.values()) {
      out.push({ nodeId: m.nodeId, url: m.url, incarnation: m.incarnation, heartbeat: m.heartbeat, state: m.state, nodeStatus: m.nodeStatus, storeId: m.storeId });
    }
    return out;
  }

  /** A direct answer from a member proves it alive as of now (unless it said otherwise). */
  heardFrom(nodeId: string, now: number): void {
    const m = this.members.get(nodeId);
    if (m !== undefined && isLive(m)) m.lastHeardAt = now;
  }

  /** The highest incarnation a record may carry at `now`. */
  private bound(now: number): number {
    return now + this.settings.maxClockSkewMs + INCARNATION_SLACK;
  }

  /**
   * Merges the records of one gossip message sent by `from` (the node id of its first record,
   * the sender's own); returns the state changes.
   */
  merge(records: readonly MemberRecord[], now: number, from: string | undefined = records[0]?.nodeId): MembershipEvent[] {
    const events: MembershipEvent[] = [];
    for (const r of records) {
      if (r.incarnation > this.bound(now)) {
        this.onRefused('incarnation');
        continue;
      }
      if (r.nodeId === this.selfRecord.nodeId) {
        this.refuteIfNeeded(r, now);
        continue;
      }
      const own = r.nodeId === from;
      const local = this.members.get(r.nodeId);
      // Only a member announces its own leave (told of one it already holds gone, nothing is refused).
      if (r.state === 'left' && !own) {
        if (local !== undefined && isLive(local)) this.onRefused('left-from-other');
        continue;
      }
      if (local === undefined) {
        // A member first heard of as dead or departed is not adopted: otherwise nodes that forget
        // it at different times would keep teaching it to each other.
        if (r.state === 'dead' || r.state === 'left') continue;
        this.members.set(r.nodeId, { ...r, lastHeardAt: now, goneAt: 0 });
        events.push({ nodeId: r.nodeId, url: r.url, from: 'unknown', to: r.state });
        continue;
      }
      const before = local.state;
      const urlBefore = local.url;
      if (r.incarnation > local.incarnation || (r.incarnation === local.incarnation && RANK[r.state] > RANK[local.state])) {
        local.incarnation = r.incarnation;
        local.state = r.state;
        if (own) local.url = r.url;
        local.nodeStatus = r.nodeStatus;
        local.storeId = r.storeId;
        if (r.heartbeat !== local.heartbeat) local.lastHeardAt = now;
        local.heartbeat = r.heartbeat;
        if (isLive(r)) {
          local.goneAt = 0;
          local.lastHeardAt = now;
        } else if (local.goneAt === 0) {
          local.goneAt = now;
        }
      } else if (r.incarnation === local.incarnation && r.heartbeat > local.heartbeat) {
        local.heartbeat = r.heartbeat;
        local.nodeStatus = r.nodeStatus;
        local.storeId = r.storeId;
        if (own) local.url = r.url;
        if (isLive(local)) local.lastHeardAt = now;
      } else {
        continue;
      }
      if (!own && r.url !== urlBefore) this.onRefused('url-from-other');
      if (local.state !== before) events.push({ nodeId: local.nodeId, url: local.url, from: before, to: local.state });
    }
    return events;
  }

  /**
   * Someone gossips this node as suspect or dead: raise the incarnation so "alive" wins again.
   * Claims are taken up to `now + INCARNATION_SLACK` only (no skew), so the refutation stays
   * within what every other node accepts (`bound`), whose clock may be behind by the skew.
   */
  private refuteIfNeeded(r: MemberRecord, now: number): void {
    const self = this.selfRecord;
    if (self.state === 'left') return;
    if (r.incarnation > now + INCARNATION_SLACK) return;
    if ((r.state === 'suspect' || r.state === 'dead' || r.state === 'left') && r.incarnation >= self.incarnation) {
      this.selfRecord = { ...self, incarnation: r.incarnation + 1 };
    }
  }

  /** Failure detection: silent members become suspect, then dead; gone ones are forgotten. */
  check(now: number): MembershipEvent[] {
    const events: MembershipEvent[] = [];
    const { suspectAfterMs, deadAfterMs, forgetAfterMs } = this.settings;
    for (const m of this.members.values()) {
      const silence = now - m.lastHeardAt;
      const before = m.state;
      if (m.state === 'alive' && silence > suspectAfterMs) m.state = 'suspect';
      if (m.state === 'suspect' && silence > deadAfterMs) {
        m.state = 'dead';
        m.goneAt = now;
      }
      if ((m.state === 'dead' || m.state === 'left') && m.goneAt > 0 && now - m.goneAt > forgetAfterMs) {
        this.members.delete(m.nodeId);
        continue;
      }
      if (m.state !== before) events.push({ nodeId: m.nodeId, url: m.url, from: before, to: m.state });
    }
    return events;
  }
}
