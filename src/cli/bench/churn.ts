import type { RunContext } from './context.js';
import { batchBody, type Fleet } from './fleet.js';
import { HttpClient, runLoops, timedRequest } from './http-load.js';

/** Seconds a churned instance stays registered (well inside a lease: it is never heartbeated). */
const LIFETIME_S = 5;
/** Churn operations (a register and an unregister each) one connection of its own is paced to per second. */
const RATE_PER_LOOP = 50;
const REGISTER = '/api/registry/register.json';
const UNREGISTER = '/api/registry/unregister.json';

/**
 * Registration churn in the services of `fleet` until `deadline`: `rate` times a second one
 * request registers an instance that is not part of the fleet (numbered after it, so the fleet's
 * heartbeats never meet it) and, once the churn has run for LIFETIME_S (or half the run, when
 * shorter), one request unregisters the instance registered that long before. Both are one instance per request, as clients send
 * them, recorded as `register` and `unregister`. Whatever is still registered at the end is
 * unregistered. Returns the number of registrations.
 */
export async function churnFleet(ctx: RunContext, fleet: Fleet, rate: number, deadline: number): Promise<number> {
  // a run shorter than two lifetimes keeps its instances half the run, so it unregisters too
  const live = Math.max(1, Math.ceil(rate * Math.min(LIFETIME_S, ctx.opts.durationS / 2)));
  const ring = 2 * live;
  const extended: Fleet = { ...fleet, count: fleet.count + ring };
  const slot = (seq: number) => fleet.count + (seq % ring);
  // enough connections that a slow answer does not hold the rate back
  const loops = Math.max(4, Math.ceil(rate / RATE_PER_LOOP));
  const client = new HttpClient(ctx.opts.target, loops, ctx.opts.timeoutMs);
  const register = ctx.recorders.get('register');
  const unregister = ctx.recorders.get('unregister');
  let registered = 0;
  try {
    await runLoops({ connections: loops, deadline, rate }, async (_, seq) => {
      await timedRequest(client, register, REGISTER, batchBody(extended, slot(seq), 1));
      registered++;
      if (seq >= live) await timedRequest(client, unregister, UNREGISTER, batchBody(extended, slot(seq - live), 1));
    });
  } finally {
    for (let from = 0; from < ring; from += 1_000) {
      await client.request(UNREGISTER, batchBody(extended, fleet.count + from, Math.min(1_000, ring - from))).catch(() => undefined);
    }
    client.close();
  }
  return registered;
}
