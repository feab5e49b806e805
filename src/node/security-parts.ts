import type { IncomingMessage } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import { AccessPolicy } from '../auth/access-policy.js';
import { bootstrapAdminToken } from '../auth/bootstrap.js';
import type { Scope } from '../auth/scopes.js';
import { TokenRegistry } from '../auth/token-registry.js';
import type { Config } from '../config/schema.js';
import { SETTING_WARNINGS } from '../config/setting-warnings.js';
import type { Clock } from '../core/clock.js';
import type { Lifecycle } from '../core/lifecycle.js';
import type { TaskScheduler } from '../core/scheduler.js';
import type { ManagementStore } from '../store/management-store.js';
import type { Logger } from '../telemetry/logger.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { Channel } from '../websocket/ws-gateway.js';
import { logStoreFailure } from './store-health.js';

export interface SecurityPartsDeps {
  store: ManagementStore;
  clock: Clock;
  scheduler: TaskScheduler;
  logger: Logger;
  metrics: NodeMetrics;
}

export interface SecurityParts {
  readonly tokens: TokenRegistry;
  readonly policy: AccessPolicy;
  /** Counts a refused call of `scope`. */
  readonly refused: (scope: Scope) => void;
  /** The WebSocket upgrade check (register scope for heartbeats, read for discovery); undefined when neither is checked. */
  readonly admitUpgrade: ((channel: Channel, req: IncomingMessage) => boolean) | undefined;
  /** Opens the store, loads the tokens, warns when management auth is off, creates the first admin token. */
  readonly part: Lifecycle;
  /** Logs where the first admin token is, when this start created it (called once the node serves). */
  readonly announce: () => void;
}

/** Tokens, the access policy, their metrics and the start-up steps of management auth. */
export function createSecurityParts(config: Config, deps: SecurityPartsDeps): SecurityParts {
  const security = config.security;
  const tokens = new TokenRegistry({
    store: deps.store,
    clock: deps.clock,
    scheduler: deps.scheduler,
    refreshIntervalMs: config.management.refreshIntervalMs,
    // an unreachable store is logged once as an outage (StoreHealth), not per failed reload
    onError: (err) => logStoreFailure(deps.logger, err, 'warn', 'token reload failed'),
  });
  const policy = new AccessPolicy(security, tokens);
  const registers = [deps.metrics.registry];
  new Gauge({
    name: 'artemis_security_management_auth_enabled',
    help: '1 when management writes need a token (security.managementAuth), 0 when that check is off.',
    registers,
  }).set(security.managementAuth ? 1 : 0);
  new Gauge({
    name: 'artemis_security_tokens',
    help: 'API tokens this node accepts (as last loaded from the management store).',
    registers,
    collect() {
      this.set(tokens.size);
    },
  });
  const refusals = new Counter({
    name: 'artemis_security_refused_total',
    help: 'Calls refused with no-permission for want of a token, a scope or an allowed address, by the scope they needed.',
    labelNames: ['scope'],
    registers,
  });
  const refused = (scope: Scope) => refusals.inc({ scope });

  const scopeOfChannel = (channel: Channel): Scope => (channel === 'registry' ? 'register' : 'read');
  const admitUpgrade =
    policy.checks('read') || policy.checks('register')
      ? (channel: Channel, req: IncomingMessage) => {
          const scope = scopeOfChannel(channel);
          const auth = req.headers.authorization;
          const outcome = policy.check(scope, req.socket.remoteAddress ?? '', auth);
          if (!outcome.ok) refused(scope);
          return outcome.ok;
        }
      : undefined;

  let created: { file: string; tokenId: string } | undefined;
  const announce = () => {
    if (created === undefined) return;
    deps.logger.info(created, 'created the first admin token; its secret is in this file (mode 0600): send it as Authorization: Bearer <secret>');
    created = undefined;
  };
  const part: Lifecycle = {
    name: 'security',
    start: async () => {
      // First, so that management loads its state after the first admin token was written.
      await deps.store.init();
      await tokens.start();
      if (!security.managementAuth) {
        deps.logger.warn({ setting: 'security.managementAuth' }, SETTING_WARNINGS.managementAuthOff);
        return;
      }
      created = await bootstrapAdminToken({ tokens, dataDir: config.dataDir, secret: security.initialAdminToken, logger: deps.logger });
    },
    stop: () => tokens.stop(),
  };
  return { tokens, policy, refused, admitUpgrade, part, announce };
}

