import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { Service } from '../core/wire/service.js';
import { EncodedBody, versionTag } from './encoded-body.js';
import { SERVICE_HEAD_JSON, SUCCESS_JSON, instanceJson, serviceJson, serviceTailJson } from './wire-json.js';

/**
 * One instance as a snapshot lists it. Registered instances are never mutated (a
 * re-registration stores a new object), so the same object means the same data and the same
 * JSON text: a rebuild copies the bytes an unchanged instance had in the previous snapshot of
 * its service instead of serialising it again, and keeps no text per instance besides the
 * service's own bytes (4 bytes of offset per instance).
 */
export type Member = Instance;

/** One transition of an instance identity between two snapshots of a service; null = not listed. */
export interface MemberTransition {
  before: Member | null;
  after: Member | null;
}

/** True when two members carry the same data (same object, or equal JSON). */
export function sameMember(a: Member, b: Member): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** A snapshot's bytes are those of its `GetServiceResponse`; the service fragment is a slice of them. */
const RESPONSE_HEAD = `{"responseStatus":${SUCCESS_JSON},"service":`;
const OPEN = Buffer.from(`${RESPONSE_HEAD}${SERVICE_HEAD_JSON}[`);
const HEAD_BYTES = Buffer.byteLength(RESPONSE_HEAD);
const COMMA = Buffer.from(',');
const NO_OFFSETS = new Uint32Array(0);
type Listed = ReadonlyArray<Instance | null>;

const isMember = (x: Instance | null | undefined): x is Instance => x !== null && typeof x === 'object';

function indexOf(list: Listed): Map<Instance, number> {
  const map = new Map<Instance, number>();
  list.forEach((x, i) => {
    if (isMember(x)) map.set(x, i);
  });
  return map;
}

/**
 * For each entry of `next`, the index of the same object in `prev`, or -1. Lists of one service
 * keep their order (the registry's index keeps insertion order; a re-registration keeps its
 * place), so a forward walk matches nearly everything; a lookup table is built only when the
 * walk loses its place.
 */
function align(prev: Listed, next: Listed): Int32Array {
  const reuse = new Int32Array(next.length).fill(-1);
  let map: Map<Instance, number> | undefined;
  let j = 0;
  for (let i = 0; i < next.length; i++) {
    const x = next[i];
    if (!isMember(x)) continue;
    let hit = -1;
    if (j < prev.length && prev[j] === x) hit = j;
    else if (j + 1 < prev.length && prev[j + 1] === x) hit = j + 1;
    else if (j + 1 < prev.length && i + 1 < next.length && next[i + 1] === prev[j + 1]) {
      // replaced in place (a re-registration): the walk goes on past it
      j++;
      continue;
    } else {
      map ??= indexOf(prev);
      hit = map.get(x) ?? -1;
    }
    if (hit >= 0) {
      reuse[i] = hit;
      j = hit + 1;
    }
  }
  return reuse;
}

/**
 * A service as discovery serves it at one version: the filtered `Service`, its JSON bytes
 * (a fragment reused by lookup and services.json), and where each instance's JSON sits in them.
 */
export class ServiceSnapshot {
  readonly fragment: Buffer;
  /** The `GetServiceResponse` bytes, `fragment` among them. */
  private readonly whole: Buffer;
  /** Start of each entry of `service.instances` in `fragment`, then the end of the last. */
  private readonly offsets: Uint32Array;
  /** For each entry of `service.instances`, its index in the previous snapshot's list, or -1. */
  private reuse: Int32Array | null;
  /** Instances listed (non-null entries). */
  readonly size: number;
  private body: EncodedBody | undefined;
  private stamp: number;

  /** With `previous` (the service's snapshot before), unchanged instances' bytes are copied from it. */
  constructor(
    readonly key: string,
    readonly service: Readonly<Service>,
    version: number,
    previous?: ServiceSnapshot,
  ) {
    this.stamp = version;
    const list = service.instances;
    let size = 0;
    for (const x of list ?? []) if (isMember(x)) size++;
    this.size = size;
    if (list === null || list === undefined) {
      this.whole = Buffer.from(`${RESPONSE_HEAD}${serviceJson(service)}}`);
      this.fragment = this.whole.subarray(HEAD_BYTES, this.whole.length - 1);
      this.offsets = NO_OFFSETS;
      this.reuse = null;
      return;
    }
    const before = previous?.list;
    this.reuse = before === undefined ? null : align(before, list);
    const n = list.length;
    const offsets = new Uint32Array(n + 1);
    const pieces: Buffer[] = [OPEN];
    // positions count from the start of the fragment
    let pos = OPEN.length - HEAD_BYTES;
    let text = '';
    let textBytes = 0;
    const flushText = () => {
      if (text === '') return;
      pieces.push(Buffer.from(text));
      pos += textBytes;
      text = '';
      textBytes = 0;
    };
    const addText = (piece: string) => {
      text += piece;
      textBytes += Buffer.byteLength(piece);
    };
    for (let i = 0; i < n; ) {
      const j = this.reuse?.[i] ?? -1;
      if (j < 0 || previous === undefined) {
        // a run of new instances becomes one buffer
        if (i > 0) addText(',');
        offsets[i] = pos + textBytes;
        addText(instanceJson(list[i]));
        while (i + 1 < n && (this.reuse?.[i + 1] ?? -1) < 0) {
          i++;
          addText(',');
          offsets[i] = pos + textBytes;
          addText(instanceJson(list[i]));
        }
        i++;
        continue;
      }
      flushText();
      if (i > 0) {
        pieces.push(COMMA);
        pos += 1;
      }
      let k = i;
      while (k + 1 < n && this.reuse![k + 1] === this.reuse![k]! + 1) k++;
      const start = previous.offsets[j]!;
      const end = previous.endOf(this.reuse![k]!);
      for (let t = i; t <= k; t++) offsets[t] = pos + (previous.offsets[this.reuse![t]!]! - start);
      pieces.push(previous.fragment.subarray(start, end));
      pos += end - start;
      i = k + 1;
    }
    flushText();
    offsets[n] = pos;
    const tail = Buffer.from(`]${serviceTailJson(service)}}`);
    pieces.push(tail);
    this.whole = Buffer.concat(pieces, HEAD_BYTES + pos + tail.length);
    this.fragment = this.whole.subarray(HEAD_BYTES, this.whole.length - 1);
    this.offsets = offsets;
  }

  /** The cache version this snapshot's bytes were first served at. */
  get version(): number {
    return this.stamp;
  }

  /**
   * Takes the place of `older`, whose bytes this snapshot repeats (the same data registered
   * again as new objects): keeps its version and built body, and holds the current objects, so
   * that the next rebuild matches them by identity.
   */
  sameAs(older: ServiceSnapshot): this {
    this.stamp = older.stamp;
    this.body = older.body;
    this.reuse = null;
    return this;
  }

  private get list(): Listed | undefined {
    return this.service.instances ?? undefined;
  }

  /** End (exclusive) of entry `j`'s JSON in the fragment. */
  private endOf(j: number): number {
    return j + 1 < this.offsets.length - 1 ? this.offsets[j + 1]! - 1 : this.offsets[this.offsets.length - 1]!;
  }

  private bytesOf(j: number): Buffer {
    return this.fragment.subarray(this.offsets[j], this.endOf(j));
  }

  /** Listed by services.json: has at least one instance after filtering. */
  get listed(): boolean {
    return this.size > 0;
  }

  get serviceId(): string {
    return this.service.serviceId ?? this.key;
  }

  /**
   * How instance identities changed from `previous` (the snapshot this one was built on; none:
   * every instance is new). Unchanged objects are matched by identity, so the work and the
   * instance keys computed are proportional to what changed. Only once: the alignment is dropped.
   */
  transitionsFrom(previous: ServiceSnapshot | undefined): Map<string, MemberTransition> {
    const out = new Map<string, MemberTransition>();
    const next = this.list ?? [];
    const before = previous?.list ?? [];
    const reuse = previous === undefined ? null : this.reuse;
    this.reuse = null;
    const matched = new Uint8Array(before.length);
    if (reuse !== null) for (const j of reuse) if (j >= 0) matched[j] = 1;
    const gone = new Map<string, number>();
    before.forEach((x, j) => {
      if (isMember(x) && matched[j] === 0) gone.set(instanceKey(x), j);
    });
    next.forEach((x, i) => {
      if (!isMember(x) || (reuse !== null && reuse[i]! >= 0)) return;
      const key = instanceKey(x);
      const j = gone.get(key);
      if (j === undefined) {
        out.set(key, { before: null, after: x });
        return;
      }
      gone.delete(key);
      if (!previous!.bytesOf(j).equals(this.bytesOf(i))) out.set(key, { before: before[j]!, after: x });
    });
    for (const [key, j] of gone) out.set(key, { before: before[j]!, after: null });
    return out;
  }

  /** Every instance of the snapshot as removed (the service is gone). */
  removals(): Map<string, MemberTransition> {
    const out = new Map<string, MemberTransition>();
    for (const x of this.list ?? []) if (isMember(x)) out.set(instanceKey(x), { before: x, after: null });
    return out;
  }

  /** The whole `GetServiceResponse` for this snapshot, built on first use. */
  responseBody(): EncodedBody {
    this.body ??= new EncodedBody(this.whole, versionTag(this.version));
    return this.body;
  }
}
