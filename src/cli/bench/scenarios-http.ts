import { deadlineOf, type RunContext } from './context.js';
import { batchBody, registerFleet, serviceId, unregisterFleet } from './fleet.js';
import { runLoops, timedRequest } from './http-load.js';

const REGISTER = '/api/registry/register.json';
const HEARTBEAT = '/api/registry/heartbeat.json';
const MAX_PREBUILT = 10_000;

/** Registers `--instances` (10,000) instances over and over in batches of `--batch` (100). */
export async function registerScenario(ctx: RunContext): Promise<void> {
  const fleet = ctx.fleet(ctx.opts.instances ?? 10_000);
  const batch = Math.min(ctx.opts.batch ?? 100, fleet.count);
  const rec = ctx.recorders.get('register');
  let cursor = 0;
  try {
    await ctx.measure(() => runLoops({ connections: ctx.opts.connections, deadline: deadlineOf(ctx), rate: ctx.opts.rate }, async () => {
      const from = cursor;
      cursor = (cursor + batch) % fleet.count;
      await timedRequest(ctx.client, rec, REGISTER, batchBody(fleet, from, batch), batch);
    }));
  } finally {
    await unregisterFleet(ctx.client, fleet, ctx.opts.connections);
  }
  ctx.info.instances = fleet.count;
  ctx.info.batch = batch;
}

/** Registers `--instances` (1,000), then heartbeats one instance per HTTP request. */
export async function heartbeatHttpScenario(ctx: RunContext): Promise<void> {
  const fleet = ctx.fleet(ctx.opts.instances ?? 1_000);
  const batch = ctx.opts.batch ?? 1;
  const bodies = Array.from({ length: Math.min(fleet.count, MAX_PREBUILT) }, (_, i) => batchBody(fleet, i * batch, batch));
  const rec = ctx.recorders.get('heartbeat');
  await registerFleet(ctx.client, fleet, ctx.opts.connections);
  try {
    await ctx.measure(() => runLoops({ connections: ctx.opts.connections, deadline: deadlineOf(ctx), rate: ctx.opts.rate }, (_, seq) =>
      timedRequest(ctx.client, rec, HEARTBEAT, bodies[seq % bodies.length], batch)));
  } finally {
    await unregisterFleet(ctx.client, fleet, ctx.opts.connections);
  }
  ctx.info.instances = fleet.count;
  ctx.info.batch = batch;
}

/** The two discovery reads of service number `s`: GET service.json and POST lookup.json. */
export function discoveryRequests(_ctx: RunContext, fleet: ReturnType<RunContext['fleet']>, s: number): { get: string; lookup: string } {
  const id = serviceId(fleet, s);
  const region = encodeURIComponent(fleet.regionId);
  return {
    get: `/api/discovery/service.json?serviceId=${encodeURIComponent(id)}&regionId=${region}&zoneId=${encodeURIComponent(fleet.zoneId)}`,
    lookup: JSON.stringify({ discoveryConfigs: [{ serviceId: id }], regionId: fleet.regionId, zoneId: fleet.zoneId }),
  };
}

/** Registers one service of `--instances` (10) instances, then reads it with GET service.json and POST lookup.json in turn. */
export async function discoveryScenario(ctx: RunContext): Promise<void> {
  const fleet = ctx.fleet(ctx.opts.instances ?? 10, 'd', 1);
  const { get, lookup } = discoveryRequests(ctx, fleet, 0);
  const recGet = ctx.recorders.get('service.json');
  const recLookup = ctx.recorders.get('lookup.json');
  await registerFleet(ctx.client, fleet, ctx.opts.connections);
  try {
    await ctx.measure(() => runLoops({ connections: ctx.opts.connections, deadline: deadlineOf(ctx), rate: ctx.opts.rate }, (_, seq) =>
      seq % 2 === 0 ? timedRequest(ctx.client, recGet, get) : timedRequest(ctx.client, recLookup, '/api/discovery/lookup.json', lookup)));
  } finally {
    await unregisterFleet(ctx.client, fleet, ctx.opts.connections);
  }
  ctx.info.instances = fleet.count;
}
