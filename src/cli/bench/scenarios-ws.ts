import { STALL_WINDOW_MS } from '../../telemetry/event-loop-stalls.js';
import { churnFleet } from './churn.js';
import { deadlineOf, sleep, until, type RunContext } from './context.js';
import { batchBody, instanceJson, registerFleet, serviceId, unregisterFleet, wholeFleet, type Fleet } from './fleet.js';
import { runLoops, timedRequest } from './http-load.js';
import { discoveryRequests } from './scenarios-http.js';
import { SubscriberPool } from './subscribers.js';
import { HeartbeatFrames, HeartbeatSessions, heartbeatFleet } from './ws-heartbeat.js';

const REGISTER = '/api/registry/register.json';
/**
 * How long mixed waits between registering its fleet and measuring: the node's stall gauge
 * covers the last one to two windows, so a reading right after the registration burst would
 * count that burst's stalls as the run's, and the rebuild of the fleet's services would land in
 * the first measured second.
 */
export const MIXED_SETTLE_MS = 2 * STALL_WINDOW_MS;
/** How often every instance of a fleet heartbeats, as the Java client does. */
const HEARTBEAT_PERIOD_MS = 5_000;

/** Registers `--instances` (10,000), then sends heartbeat frames of `--batch` (100) instances on `--connections` sessions, each waiting for its answer. */
export async function heartbeatWsScenario(ctx: RunContext): Promise<void> {
  const fleet = ctx.fleet(ctx.opts.instances ?? 10_000);
  const batch = Math.min(ctx.opts.batch ?? 100, fleet.count);
  const frames = Array.from({ length: Math.min(Math.ceil(fleet.count / batch), 1_000) }, (_, f) => batchBody(fleet, f * batch, batch));
  let sessions: HeartbeatSessions | undefined;
  try {
    await registerFleet(ctx.client, fleet, ctx.opts.connections);
    const open = (sessions = await HeartbeatSessions.open(ctx.opts.target, ctx.opts.connections, ctx.recorders.get('heartbeat-frame')));
    await ctx.measure(() => runLoops({ connections: open.size, deadline: deadlineOf(ctx), rate: ctx.opts.rate }, (loop, seq) =>
      open.send(loop, frames[seq % frames.length]!, batch)));
  } finally {
    sessions?.close();
    await unregisterFleet(ctx.client, fleet, ctx.opts.connections);
  }
  ctx.info.instances = fleet.count;
  ctx.info.batch = batch;
}

/** Registers one instance of `fleet` every `intervalMs` until `deadline`, announcing each to `pool`. */
async function churn(ctx: RunContext, fleet: Fleet, pool: SubscriberPool, intervalMs: number, deadline: number): Promise<number> {
  const rec = ctx.recorders.get('register');
  let seq = 0;
  for (let next = performance.now(); performance.now() < deadline && seq < fleet.count; next += intervalMs) {
    await sleep(next - performance.now());
    const id = `i${seq}`;
    pool.sent(id);
    await timedRequest(ctx.client, rec, REGISTER, `{"instances":[${instanceJson(fleet, seq, id)}]}`);
    seq++;
  }
  return seq;
}

/** `--subscribers` (100) subscribers of one service; registers an instance `--rate` (10) times a second and times each push. */
export async function pushScenario(ctx: RunContext): Promise<void> {
  const rate = ctx.opts.rate > 0 ? ctx.opts.rate : 10;
  const fleet = ctx.fleet(Math.ceil(ctx.opts.durationS * rate) + 1, 'p', 1);
  const pool = await SubscriberPool.start(ctx.opts.target, serviceId(fleet, 0), ctx.opts.subscribers, ctx.opts.threads, ctx.recorders.get('push'));
  try {
    await ctx.measure(async () => {
      ctx.info.changes = await churn(ctx, fleet, pool, 1_000 / rate, deadlineOf(ctx));
      await sleep(300);
      await pool.stop();
    });
  } finally {
    await pool.terminate();
    await unregisterFleet(ctx.client, fleet, 2);
  }
  ctx.info.subscribers = ctx.opts.subscribers;
}

/** Discovery reads over the first 100 services of `fleet` at `--rate` (200) a second until `deadline`. */
function readAtRate(ctx: RunContext, fleet: Fleet, deadline: number): Promise<void> {
  const reads = Array.from({ length: Math.min(fleet.services, 100) }, (_, s) => discoveryRequests(ctx, fleet, s));
  const rate = ctx.opts.rate > 0 ? ctx.opts.rate : 200;
  return runLoops({ connections: ctx.opts.connections, deadline, rate }, (_, seq) => {
    const r = reads[seq % reads.length]!;
    return seq % 2 === 0 ? timedRequest(ctx.client, ctx.recorders.get('service.json'), r.get) : timedRequest(ctx.client, ctx.recorders.get('lookup.json'), '/api/discovery/lookup.json', r.lookup);
  });
}

/**
 * A fleet of `--instances` (1,000) heartbeating every 5 s over WebSocket, while readers do `--rate`
 * (200) discovery reads a second, `--subscribers` (20) watch a service and it changes twice a
 * second, and `--churn` (0) instances a second come and go in the fleet's services. Measured
 * from MIXED_SETTLE_MS after the fleet is registered (its registration is not part of the load).
 */
export async function mixedScenario(ctx: RunContext): Promise<void> {
  const fleet = ctx.fleet(ctx.opts.instances ?? 1_000);
  const changes = ctx.fleet(Math.ceil(ctx.opts.durationS * 2) + 1, 'c', 1);
  const batch = Math.min(ctx.opts.batch ?? 100, fleet.count);
  let sessions: HeartbeatSessions | undefined;
  let pool: SubscriberPool | undefined;
  try {
    await registerFleet(ctx.client, fleet, ctx.opts.connections);
    const frames = new HeartbeatFrames(fleet, batch);
    sessions = await HeartbeatSessions.open(ctx.opts.target, Math.min(4, frames.count), ctx.recorders.get('heartbeat-frame'));
    pool = await SubscriberPool.start(ctx.opts.target, serviceId(changes, 0), ctx.opts.subscribers, ctx.opts.threads, ctx.recorders.get('push'));
    await sleep(MIXED_SETTLE_MS);
    const [s, p] = [sessions, pool];
    await ctx.measure(async () => {
      const deadline = deadlineOf(ctx);
      const stopBeats = heartbeatFleet(s, frames, HEARTBEAT_PERIOD_MS);
      const churned = ctx.opts.churn > 0 ? churnFleet(ctx, fleet, ctx.opts.churn, deadline) : Promise.resolve(0);
      const [, , registrations] = await Promise.all([readAtRate(ctx, fleet, deadline), churn(ctx, changes, p, 500, deadline), churned]);
      ctx.info.churnRegistrations = registrations;
      stopBeats();
      await sleep(300);
      await p.stop();
    });
  } finally {
    sessions?.close();
    await pool?.terminate();
    await unregisterFleet(ctx.client, changes, 2);
    await unregisterFleet(ctx.client, fleet, ctx.opts.connections);
  }
  ctx.info.instances = fleet.count;
  ctx.info.subscribers = ctx.opts.subscribers;
}

/** Registers `--instances` (10,000) in batches of `--batch` (1,000), holds them with WebSocket heartbeats every 5 s for the duration, and reports the server's memory. */
export async function scaleScenario(ctx: RunContext): Promise<void> {
  const fleet = ctx.fleet(ctx.opts.instances ?? 10_000);
  const batch = Math.min(ctx.opts.batch ?? 1_000, fleet.count);
  const sessions = await HeartbeatSessions.open(ctx.opts.target, 2, ctx.recorders.get('heartbeat-frame'));
  const frames = new HeartbeatFrames(fleet, batch);
  try {
    await ctx.measure(async () => {
      const t0 = performance.now();
      await wholeFleet(ctx.client, fleet, REGISTER, batch, ctx.opts.connections, ctx.recorders.get('register'));
      ctx.info.registerSeconds = Number(((performance.now() - t0) / 1_000).toFixed(2));
      const stop = heartbeatFleet(sessions, frames, HEARTBEAT_PERIOD_MS);
      await until(deadlineOf(ctx));
      stop();
    });
  } finally {
    sessions.close();
    await unregisterFleet(ctx.client, fleet, ctx.opts.connections);
  }
  ctx.info.instances = fleet.count;
}
