import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { Service } from '../core/wire/service.js';
import { EncodedBody, versionTag } from './encoded-body.js';
import { align, DropMarks, isMember, type Listed } from './snapshot-entries.js';
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

/** A snapshot's bytes are those of its `GetServiceResponse`; the service fragment is a slice of them. */
const RESPONSE_HEAD = `{"responseStatus":${SUCCESS_JSON},"service":`;
const OPEN = Buffer.from(`${RESPONSE_HEAD}${SERVICE_HEAD_JSON}[`);
const HEAD_BYTES = Buffer.byteLength(RESPONSE_HEAD);
const COMMA = Buffer.from(',');
const NO_OFFSETS = new Uint32Array(0);
/** A snapshot's bytes: its `GetServiceResponse`, the service fragment in it, and where each entry sits. */
interface Layout {
  readonly whole: Buffer;
  readonly fragment: Buffer;
  /** Start of each entry of the instance list in `fragment`, then the end of the last. */
  readonly offsets: Uint32Array;
}


/** End (exclusive) of entry `j`'s JSON in the fragment of `layout`. */
function endOf(layout: Layout, j: number): number {
  const last = layout.offsets.length - 1;
  return j + 1 < last ? layout.offsets[j + 1]! - 1 : layout.offsets[last]!;
}

/**
 * A service as discovery serves it at one version: the filtered `Service`, its JSON bytes
 * (a fragment reused by lookup and services.json), and where each instance's JSON sits in them.
 *
 * A snapshot made by removing instances from the one before (`without`) holds the last laid out
 * snapshot of the service and the entries it leaves out of it, nothing else: a removal costs what
 * it removed (and a scan of the service's instance references), and the bytes are laid out, as
 * one copy of the parts kept, when first read or when the next build of the service starts from
 * them. Until then the instances removed stay referenced by that laid out snapshot.
 */
export class ServiceSnapshot {
  /** The bytes; undefined while a snapshot made by removals has not been read. */
  private laid: Layout | undefined;
  /** The service; for a snapshot made by removals, that of `base` (its instance list is `base`'s). */
  private fields: Readonly<Service>;
  /** For a snapshot made by removals: the laid out snapshot whose entries it leaves some of out... */
  private base: ServiceSnapshot | undefined;
  /** ...and which: the entries of `base`'s list that `drops` marks up to `dropCount`. */
  private drops: DropMarks | undefined;
  private dropCount: number;
  /** The instance list of a snapshot made by removals, once asked for. */
  private derivedList: Listed | undefined;
  /** For each entry of `service.instances`, its index in the previous snapshot's list, or -1. */
  private reuse: Int32Array | null;
  /** Instances listed (non-null entries). */
  readonly size: number;
  private body: EncodedBody | undefined;
  private stamp: number;

  /**
   * With `previous` (the service's snapshot before), unchanged instances' bytes are copied from
   * it. With `drops` too, the snapshot is `previous` (laid out) without the entries they mark up
   * to `dropCount`, and `service` is `previous`'s (see `without`).
   */
  constructor(
    readonly key: string,
    service: Readonly<Service>,
    version: number,
    previous?: ServiceSnapshot,
    drops?: DropMarks,
    dropCount = 0,
  ) {
    this.stamp = version;
    this.fields = service;
    this.drops = undefined;
    this.dropCount = 0;
    this.reuse = null;
    if (previous !== undefined && drops !== undefined) {
      this.base = previous;
      this.drops = drops;
      this.dropCount = dropCount;
      this.size = previous.size - dropCount;
      return;
    }
    const list = service.instances;
    let size = 0;
    for (const x of list ?? []) if (isMember(x)) size++;
    this.size = size;
    if (list === null || list === undefined) {
      const whole = Buffer.from(`${RESPONSE_HEAD}${serviceJson(service)}}`);
      this.laid = { whole, fragment: whole.subarray(HEAD_BYTES, whole.length - 1), offsets: NO_OFFSETS };
      return;
    }
    const before = previous?.list;
    this.reuse = before === undefined ? null : align(before, list);
    const from = previous?.layout();
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
      if (j < 0 || from === undefined) {
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
      const start = from.offsets[j]!;
      const end = endOf(from, this.reuse![k]!);
      for (let t = i; t <= k; t++) offsets[t] = pos + (from.offsets[this.reuse![t]!]! - start);
      pieces.push(from.fragment.subarray(start, end));
      pos += end - start;
      i = k + 1;
    }
    flushText();
    offsets[n] = pos;
    const tail = Buffer.from(`]${serviceTailJson(service)}}`);
    pieces.push(tail);
    const whole = Buffer.concat(pieces, HEAD_BYTES + pos + tail.length);
    this.laid = { whole, fragment: whole.subarray(HEAD_BYTES, whole.length - 1), offsets };
  }

  /** The cache version this snapshot's bytes were first served at. */
  get version(): number {
    return this.stamp;
  }

  /** The service as this snapshot shows it. */
  get service(): Readonly<Service> {
    return this.base === undefined ? this.fields : { ...this.fields, instances: this.list as Instance[] };
  }

  /** The service's JSON bytes (a slice of the response bytes). */
  get fragment(): Buffer {
    return this.layout().fragment;
  }

  /**
   * This snapshot without `removed` (instances it lists, matched by identity), at `version`:
   * no instance is serialised or copied, the rest of the service stays as it was (the caller
   * knows no filter reads the instances removed). Undefined when one of them is not listed
   * here: then the service must be built.
   */
  without(removed: readonly Instance[], version: number): ServiceSnapshot | undefined {
    const base = this.base ?? this;
    const list = base.list;
    if (list === undefined) return undefined;
    // a scan of object references, nothing read from the instances
    const js = removed.map((x) => list.indexOf(x));
    // the marks of this chain, shared with the snapshots before (a plain array of small
    // integers: a typed array would cost a backing store per service)
    let drops = this.drops ?? new DropMarks(list.length);
    if (drops.count !== this.dropCount) drops = drops.branch(this.dropCount);
    if (!drops.mark(js)) return undefined;
    // laid out when read, or when the next build starts from it: never here, where the removals
    // of a batch touch many services at once
    return new ServiceSnapshot(this.key, base.fields, version, base, drops, drops.count);
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
    const base = this.base;
    if (base === undefined) return this.fields.instances ?? undefined;
    if (this.derivedList === undefined) {
      const from = base.list ?? [];
      const drops = this.drops!;
      const count = this.dropCount;
      const kept = new Array<Instance | null>(from.length - count);
      let out = 0;
      for (let j = 0; j < from.length; j++) if (!drops.drops(j, count)) kept[out++] = from[j]!;
      this.derivedList = kept;
    }
    return this.derivedList;
  }

  /** The bytes, laid out now if this snapshot was made by removals and not read yet. */
  private layout(): Layout {
    if (this.laid === undefined) {
      const base = this.base!;
      const from = base.layout();
      const drops = this.drops!;
      const count = this.dropCount;
      const n = from.offsets.length - 1;
      const offsets = new Uint32Array(n - count + 1);
      const pieces: Buffer[] = [OPEN];
      let pos = OPEN.length - HEAD_BYTES;
      let out = 0;
      for (let j = 0; j < n; ) {
        if (drops.drops(j, count)) {
          j++;
          continue;
        }
        // a run of kept entries, copied as one piece
        let k = j + 1;
        while (k < n && !drops.drops(k, count)) k++;
        if (out > 0) {
          pieces.push(COMMA);
          pos += 1;
        }
        const start = from.offsets[j]!;
        for (let t = j; t < k; t++) offsets[out++] = pos + (from.offsets[t]! - start);
        const end = endOf(from, k - 1);
        pieces.push(from.fragment.subarray(start, end));
        pos += end - start;
        j = k;
      }
      offsets[out] = pos;
      // `]`, the rest of the service and the end of the response, as the base has them
      const tail = from.whole.subarray(HEAD_BYTES + from.offsets[n]!);
      pieces.push(tail);
      const whole = Buffer.concat(pieces, HEAD_BYTES + pos + tail.length);
      this.laid = { whole, fragment: whole.subarray(HEAD_BYTES, whole.length - 1), offsets };
      this.settle();
    }
    return this.laid;
  }

  /** Once laid out, a snapshot made by removals stands on its own: it lets go of its base. */
  private settle(): void {
    if (this.base === undefined || this.laid === undefined) return;
    this.fields = { ...this.fields, instances: this.list as Instance[] };
    this.base = undefined;
    this.drops = undefined;
    this.dropCount = 0;
    this.derivedList = undefined;
  }

  private bytesOf(j: number): Buffer {
    const layout = this.layout();
    return layout.fragment.subarray(layout.offsets[j], endOf(layout, j));
  }

  /** Listed by services.json: has at least one instance after filtering. */
  get listed(): boolean {
    return this.size > 0;
  }

  get serviceId(): string {
    return this.fields.serviceId ?? this.key;
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
    this.body ??= new EncodedBody(this.layout().whole, versionTag(this.version));
    return this.body;
  }
}
