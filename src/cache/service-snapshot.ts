import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { Service } from '../core/wire/service.js';
import { EncodedBody, versionTag } from './encoded-body.js';
import { SUCCESS_JSON, serviceJson } from './wire-json.js';

/**
 * One instance as a snapshot lists it. Registered instances are never mutated (a
 * re-registration stores a new object), so the same object means the same data; no JSON text is
 * kept per instance, which keeps a million instances compact.
 */
export type Member = Instance;

/** True when two members carry the same data (same object, or equal JSON). */
export function sameMember(a: Member, b: Member): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function membersOf(service: Service): Map<string, Member> {
  const members = new Map<string, Member>();
  for (const instance of service.instances ?? []) {
    if (instance === null || typeof instance !== 'object') continue;
    members.set(instanceKey(instance), instance);
  }
  return members;
}

/**
 * A service as discovery serves it at one version: the filtered `Service`, its JSON bytes
 * (a fragment reused by lookup and services.json), and its instances by identity (for deltas).
 */
export class ServiceSnapshot {
  readonly fragment: Buffer;
  readonly members: ReadonlyMap<string, Member>;
  private body: EncodedBody | undefined;

  constructor(
    readonly key: string,
    readonly service: Readonly<Service>,
    readonly version: number,
  ) {
    this.fragment = Buffer.from(serviceJson(service));
    this.members = membersOf(service);
  }

  /** Listed by services.json: has at least one instance after filtering. */
  get listed(): boolean {
    return this.members.size > 0;
  }

  get serviceId(): string {
    return this.service.serviceId ?? this.key;
  }

  /** The whole `GetServiceResponse` for this snapshot, built on first use. */
  responseBody(): EncodedBody {
    this.body ??= new EncodedBody(
      Buffer.concat([Buffer.from(`{"responseStatus":${SUCCESS_JSON},"service":`), this.fragment, Buffer.from('}')]),
      versionTag(this.version),
    );
    return this.body;
  }
}
