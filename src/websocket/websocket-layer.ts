import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { TaskScheduler } from '../core/scheduler.js';
import type { Instance } from '../core/wire/instance.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { Logger } from '../telemetry/logger.js';
import { ChangePublisher, type ChangeHistory } from './change-publisher.js';
import { PushRelay, type VersionTicks } from './push-relay.js';
import { WsGateway, type WebSocketSettings, type WsGatewayDeps } from './ws-gateway.js';
import { WsMetrics } from './ws-metrics.js';

export interface WebSocketLayerDeps {
  config: WebSocketSettings;
  contextPath: string;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  /** Runs the ping sweep (registered here). */
  scheduler: TaskScheduler;
  /** Instances whose `new`/`change` is not pushed (pulled out by management). */
  isSuppressed(instance: Instance): boolean;
  bus: ChangeBus;
  discovery: VersionTicks & ChangeHistory;
  heartbeat(body: unknown, clientAddress: string): string | Buffer;
  /** The access check of an upgrade; absent: every upgrade passes. */
  admit?: WsGatewayDeps['admit'];
  /** Services one session may subscribe to; 0 = no limit. */
  maxSubscriptionsPerSession: number;
  onLimitRefused: WsGatewayDeps['onLimitRefused'];
  /** False for an upgrade from a web page of a foreign origin. */
  admitsOrigin?(origin: string | undefined, host: string | undefined): boolean;
}

export interface WebSocketLayer {
  readonly publisher: ChangePublisher;
  readonly gateway: WsGateway;
  attach(server: Server): void;
  /** Stops relaying and closes every session with 1001 (bounded by `timeoutMs`). */
  close(timeoutMs: number): Promise<void>;
}

/** Builds the WebSocket channels: gateway, fan-out publisher, relay from the change bus, ping sweep. */
export function createWebSocketLayer(deps: WebSocketLayerDeps): WebSocketLayer {
  const metrics = new WsMetrics(deps.registry);
  const slow: { gateway?: WsGateway } = {};
  const publisher = new ChangePublisher(
    deps.config.maxBufferedBytes,
    deps.clock,
    {
      onSlowConsumer: (ws) => slow.gateway?.closeSlow(ws),
      onSent: (latencyMs, subscribers) => {
        metrics.pushLatency.observe(latencyMs / 1000);
        metrics.framesOut.inc({ channel: 'discovery' }, subscribers);
      },
      isSuppressed: (instance) => deps.isSuppressed(instance),
    },
    deps.discovery,
  );
  const relay = new PushRelay(deps.bus, deps.discovery, publisher);
  const gw = new WsGateway({ ...deps, metrics, publisher });
  slow.gateway = gw;
  const { pingIntervalMs, sessionTtlMs } = deps.config;
  const sweepEvery = pingIntervalMs > 0 ? pingIntervalMs : sessionTtlMs > 0 ? Math.min(60_000, Math.max(1_000, sessionTtlMs / 4)) : 0;
  if (sweepEvery > 0) deps.scheduler.add({ name: 'websocket.sweep', intervalMs: sweepEvery, run: () => gw.sweep() });
  return {
    publisher,
    gateway: gw,
    attach: (server) => gw.attach(server),
    close: async (timeoutMs) => {
      relay.stop();
      await gw.close(timeoutMs);
    },
  };
}
