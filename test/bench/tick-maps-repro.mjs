// How a full GC leaves process.nextTick's queue-entry literal megamorphic (node 20 / V8 11.3),
// and what holding one entry changes. Prints the states of the literal's four inline caches.
//
//   node --expose-gc --allow-natives-syntax test/bench/tick-maps-repro.mjs [hold] | grep -o 'DefineKeyedOwnPropertyInLiteral [A-Z]*'
//
// Without `hold`: MONOMORPHIC MEGAMORPHIC MEGAMORPHIC MEGAMORPHIC (one gc() with no entry alive,
// then one nextTick). With `hold` (an entry kept alive, as src/core/tick-maps.ts does): four MONOMORPHIC.
import { createHook } from 'node:async_hooks';

let held = null;
if (process.argv[2] === 'hold') {
  const hook = createHook({ init(_id, type, _t, resource) { if (held === null && type === 'TickObject') held = resource; } }).enable();
  process.nextTick(() => undefined);
  hook.disable();
}
for (let i = 0; i < 50; i++) process.nextTick(() => undefined); // enough calls for a feedback vector
setTimeout(() => {
  globalThis.gc(); // nothing queued: no entry is alive, unless held
  process.nextTick(() => setTimeout(() => {
    // prints the function with its feedback vector; `held` stays referenced until here
    eval('%DebugPrint(process.nextTick)');
    void held;
  }, 1));
}, 1);
