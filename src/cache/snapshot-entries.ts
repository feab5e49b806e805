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

/** Where `value` goes in the ascending `list` to keep it ascending; -1 when the list holds it already. */
export function insertionPoint(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return list[lo] === value ? -1 : lo;
}
