/**
 * Keeps one `process.nextTick` queue entry alive for the life of the process, so the hidden
 * classes (maps) of those entries are never collected.
 *
 * node builds every entry with one object literal, `{ [async_id_symbol], [trigger_async_id_symbol],
 * callback, args }`, whose properties V8 adds one at a time; its inline caches remember the maps
 * of that chain weakly. A full GC that runs while no entry is alive (a large request body parsed
 * into thousands of objects, between two loop turns with nothing queued) collects the chain; the
 * next `nextTick` builds a new one and the three later caches of the literal go megamorphic, for
 * good. From then on every optimized caller that inlines `nextTick` (stream reads and writes,
 * `res.end`, the server's per-request bookkeeping) adds those properties in the V8 runtime: about
 * 6 µs more per HTTP request on the bench's machine (22 instead of 16 µs per GET). A node that
 * never had such a GC early is not affected, so whether a node was slow depended on its first
 * requests. One entry held here keeps the chain, and the caches stay monomorphic.
 *
 * The entry is caught with an `async_hooks` init hook that is enabled for one `nextTick` call at
 * import and disabled at once.
 */
import { createHook } from 'node:async_hooks';

let held: object | null = null;

function catchTickObject(): object | null {
  let caught: object | null = null;
  const hook = createHook({
    init(_id, type, _trigger, resource: object) {
      if (caught === null && type === 'TickObject') caught = resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(() => undefined);
  } finally {
    hook.disable();
  }
  return caught;
}

/** Holds a queue entry (once per process); the entry held, null if none could be caught. */
export function holdTickObjectMaps(): object | null {
  held ??= catchTickObject();
  return held;
}

holdTickObjectMaps();
