/** The entries of a snapshot's instance list, and how those of two snapshots of one service match. */
import type { Instance } from '../core/wire/instance.js';

/** An instance list as a snapshot holds it (a wire service may carry null entries). */
export type Listed = ReadonlyArray<Instance | null>;

/** A listed instance (not a null entry). */
export const isMember = (x: Instance | null | undefined): x is Instance => x !== null && typeof x === 'object';

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
export function align(prev: Listed, next: Listed): Int32Array {
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
 * The entries of one laid out snapshot's list that the snapshots made from it by removals
 * leave out, shared along that chain of removals: the k-th entry left out is marked with k, so
 * the snapshot made after `count` of them leaves out exactly the entries marked 1..count. A
 * removal marks what it removed and nothing else: no copy of the entries left out before it
 * (a copy per removal made the garbage of unregistering a service quadratic in its size).
 */
export class DropMarks {
  /** For each entry of the base's list, the count of entries left out once it was; 0 while kept. */
  private readonly marks: number[];
  /** Entries marked so far (the count of the newest snapshot of the chain). */
  count = 0;

  constructor(entries: number) {
    this.marks = new Array<number>(entries).fill(0);
  }

  /** True when the snapshot made after `count` removals leaves entry `j` out. */
  drops(j: number, count: number): boolean {
    const mark = this.marks[j]!;
    return mark !== 0 && mark <= count;
  }

  /** The marks of the snapshot made after `count` of them, on a chain of their own (a removal from an older snapshot of a chain). */
  branch(count: number): DropMarks {
    const copy = new DropMarks(this.marks.length);
    for (let j = 0; j < this.marks.length; j++) if (this.drops(j, count)) copy.marks[j] = this.marks[j]!;
    copy.count = count;
    return copy;
  }

  /**
   * Leaves out the entries `js` (at the newest count of the chain); false, with nothing marked,
   * when one of them is out of range or left out already (listed twice in `js` included).
   */
  mark(js: readonly number[]): boolean {
    const start = this.count;
    for (const j of js) {
      if (j < 0 || j >= this.marks.length || this.marks[j] !== 0) {
        for (const k of js) if (this.marks[k]! > start) this.marks[k] = 0;
        this.count = start;
        return false;
      }
      this.marks[j] = ++this.count;
    }
    return true;
  }
}
