import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** WebSocket metrics, registered on the node's own registry. */
export class WsMetrics {
  readonly sessions: Gauge<'channel'>;
  readonly framesIn: Counter<'channel'>;
  readonly framesOut: Counter<'channel'>;
  readonly pushLatency: Histogram;
  readonly slowConsumers: Counter<'channel'>;
  readonly refused: Counter<'channel'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['channel'] as const;
    this.sessions = new Gauge({ name: 'artemis_ws_sessions', help: 'Open WebSocket sessions by channel.', labelNames, registers });
    this.framesIn = new Counter({ name: 'artemis_ws_frames_in_total', help: 'Frames received by channel.', labelNames, registers });
    this.framesOut = new Counter({ name: 'artemis_ws_frames_out_total', help: 'Frames sent by channel.', labelNames, registers });
    this.pushLatency = new Histogram({
      name: 'artemis_ws_push_latency_seconds',
      help: 'Time from an instance change to its push to subscribers.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.slowConsumers = new Counter({
      name: 'artemis_ws_slow_consumer_disconnects_total',
      help: 'Sessions closed because they could not keep up with pushes.',
      labelNames,
      registers,
    });
    this.refused = new Counter({ name: 'artemis_ws_refused_total', help: 'Upgrades refused at the session limit.', labelNames, registers });
  }
}
