import { SUCCESS_JSON } from './wire-json.js';
import type { InstanceChange } from '../core/wire/service.js';
import { sameInstance } from '../core/wire/instance.js';
import type { Member } from './service-snapshot.js';

/** How one instance identity changed between two versions; null = not listed. */
export interface Transition {
  before: Member | null;
  after: Member | null;
}

/** The instance transitions of one service in one step. */
export interface ServiceTransitions {
  /** Service id as the newer side spells it. */
  serviceId: string;
  readonly transitions: Map<string, Transition>;
}

/** One version bump: what changed from `from` to `to`, made at `at` (ms epoch). */
export interface VersionStep {
  readonly from: number;
  readonly to: number;
  readonly at: number;
  readonly services: ReadonlyMap<string, ServiceTransitions>;
}

export interface DeltaHistorySettings {
  /** Most older versions kept answerable. */
  maxCount: number;
  /** A version stays answerable for this long after it was superseded. */
  maxAgeMs: number;
  /** Most instance transitions kept over all retained steps (the oldest steps go first); 0 = no bound. */
  maxChanges?: number;
}

function transitionCount(step: VersionStep): number {
  let n = 0;
  for (const service of step.services.values()) n += service.transitions.size;
  return n;
}

/**
 * The recent version steps of a cache, bounded by count, by age and by the instance transitions
 * they hold (each holds the instances it removed, so a mass unregistration is not kept alive
 * for the whole age), from which the delta from any retained version to the newest one is
 * composed. A version no longer retained is answered with a full reload.
 */
export class DeltaHistory {
  private steps: VersionStep[] = [];
  private sizes: number[] = [];
  private changes = 0;

  constructor(private readonly settings: DeltaHistorySettings) {}

  record(step: VersionStep): void {
    const size = transitionCount(step);
    this.steps.push(step);
    this.sizes.push(size);
    this.changes += size;
    this.prune(step.at);
  }

  /** Instance transitions the retained steps hold. */
  get changeCount(): number {
    return this.changes;
  }

  /** Whether a delta from `version` to the newest version can still be composed. */
  retains(version: number, now: number): boolean {
    this.prune(now);
    return this.steps.some((s) => s.from === version);
  }

  /** The steps leading from `version` to the newest version; null when `version` is not retained. */
  since(version: number): VersionStep[] | null {
    const i = this.steps.findIndex((s) => s.from === version);
    return i < 0 ? null : this.steps.slice(i);
  }

  get size(): number {
    return this.steps.length;
  }

  private prune(now: number): void {
    const { maxCount, maxAgeMs } = this.settings;
    const maxChanges = this.settings.maxChanges ?? 0;
    let drop = 0;
    let changes = this.changes;
    while (
      drop < this.steps.length &&
      (this.steps.length - drop > maxCount || now - this.steps[drop]!.at > maxAgeMs || (maxChanges > 0 && changes > maxChanges))
    ) {
      changes -= this.sizes[drop]!;
      drop++;
    }
    if (drop > 0) {
      this.steps = this.steps.slice(drop);
      this.sizes = this.sizes.slice(drop);
      this.changes = changes;
    }
  }
}

/** Folds consecutive steps into one: per identity, the state before the first and after the last. */
export function composeSteps(steps: readonly VersionStep[]): Map<string, ServiceTransitions> {
  const merged = new Map<string, ServiceTransitions>();
  for (const step of steps) {
    for (const [key, changes] of step.services) {
      let acc = merged.get(key);
      if (acc === undefined) {
        acc = { serviceId: changes.serviceId, transitions: new Map() };
        merged.set(key, acc);
      }
      acc.serviceId = changes.serviceId;
      for (const [id, t] of changes.transitions) {
        const seen = acc.transitions.get(id);
        if (seen === undefined) acc.transitions.set(id, { before: t.before, after: t.after });
        else seen.after = t.after;
      }
    }
  }
  return merged;
}

function changeJson(changeTime: number, changeType: 'new' | 'delete', instanceText: string): string {
  return `{"changeTime":${changeTime},"changeType":"${changeType}","instance":${instanceText}}`;
}

/** Each member is serialised once: the same text decides "unchanged" and goes into the delta. */
function changesJson(service: ServiceTransitions, changeTime: number): string[] {
  const out: string[] = [];
  for (const { before, after } of service.transitions.values()) {
    if (before !== null && before === after) continue;
    const beforeText = before === null ? null : JSON.stringify(before);
    const afterText = after === null ? null : JSON.stringify(after);
    if (beforeText !== null && beforeText === afterText) continue;
    if (beforeText !== null) out.push(changeJson(changeTime, 'delete', beforeText));
    if (afterText !== null) out.push(changeJson(changeTime, 'new', afterText));
  }
  return out;
}

/** The changes of one composed service as InstanceChange objects, in the delta's order. */
export function serviceChanges(service: ServiceTransitions, changeTime: number): InstanceChange[] {
  const out: InstanceChange[] = [];
  for (const { before, after } of service.transitions.values()) {
    if (before !== null && after !== null && sameInstance(before, after)) continue;
    if (before !== null) out.push({ changeTime, changeType: 'delete', instance: before });
    if (after !== null) out.push({ changeTime, changeType: 'new', instance: after });
  }
  return out;
}

/**
 * `GetServicesDeltaResponse` text: `{ "<serviceId>": [InstanceChange…] }` leading to `version`.
 * An identity whose data changed appears as `delete` (old data) then `new` (new data).
 */
export function deltaResponseJson(services: ReadonlyMap<string, ServiceTransitions>, changeTime: number, version: number): string {
  const entries: string[] = [];
  for (const service of services.values()) {
    const changes = changesJson(service, changeTime);
    if (changes.length > 0) entries.push(`${JSON.stringify(service.serviceId)}:[${changes.join(',')}]`);
  }
  return `{"delta":{${entries.join(',')}},"responseStatus":${SUCCESS_JSON},"version":${version}}`;
}
