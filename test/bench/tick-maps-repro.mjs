// How a full GC leaves process.nextTick's queue-entry literal megamorphic (node 20 / V8 11.3),
// and what holding one entry changes. Prints the states of the literal's four inline caches.
//
//   node --expose-gc --allow-natives-syntax test/bench/tick-maps-repro.mjs [hold <module>] | grep -o 'DefineKeyedOwnPropertyInLiteral [A-Z]*'
//
// Without `hold`: MONOMORPHIC MEGAMORPHIC MEGAMORPHIC MEGAMORPHIC (one gc() with no entry alive,
// then one nextTick). With `hold dist/src/core/tick-maps.js` (the node's own module, which keeps an
// entry alive when imported; `--import tsx` and src/core/tick-maps.ts run the sources): four MONOMORPHIC.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

if (process.argv[2] === 'hold') await import(pathToFileURL(resolve(process.argv[3])).href);
for (let i = 0; i < 1000; i++) process.nextTick(() => undefined); // enough calls for a feedback vector
setTimeout(() => {
  globalThis.gc(); // nothing queued: no entry is alive, unless held
  process.nextTick(() => setTimeout(() => {
    // prints the function with its feedback vector
    eval('%DebugPrint(process.nextTick)');
  }, 1));
}, 1);
