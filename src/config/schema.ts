import { isIP } from 'node:net';
import { z } from 'zod';
import { ANTI_ENTROPY_SERVICES_PER_ROUND } from '../core/wire/cluster.js';

/**
 * Every configuration key of a node: type, default and a one-line description. Loading
 * (see load.ts) merges defaults < config file < ARTEMIS_* environment < CLI flags, validates
 * once against this schema and freezes the result.
 */

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const leaseSchema = (ttlMs: number) =>
  z.strictObject({
    ttlMs: int(1_000, 604_800_000).default(ttlMs).describe('Lease time-to-live: an instance not renewed for this long expires.'),
    sweepIntervalMs: int(10, 60_000).default(1_000).describe('Period of the sweep that removes expired and unregistered leases.'),
  });

const selfPreservationSchema = (windowMs: number) =>
  z.strictObject({
    enabled: z.boolean().default(true).describe('Keep expired leases while renewals drop suddenly (self-preservation).'),
    windowMs: int(1_000, 300_000).default(windowMs).describe('Window over which renewals are counted (whole seconds).'),
    percentageThreshold: int(50, 100).default(85).describe('Unsafe when renewals fall below this percentage of the maximum seen.'),
    maxCountThreshold: int(0, 1_000_000).default(50).describe('Minimum renewal baseline before self-preservation judges at all.'),
    maxCountResetIntervalMs: int(1_000, 86_400_000).default(600_000).describe('While safe, the baseline follows the current count after this long.'),
    checkIntervalMs: int(10, 60_000).default(1_000).describe('Period of the self-preservation check.'),
  });

const limiterSchema = (defaultLimit: number, limits: Record<string, number> = {}) =>
  z.strictObject({
    enabled: z.boolean().default(true).describe('Whether this rate limiter is active.'),
    defaultLimit: int(1, 100_000_000).default(defaultLimit).describe('Requests allowed per window for an operation without its own limit.'),
    limits: z.record(z.string(), int(1, 100_000_000)).default(limits).describe('Per-operation limits, e.g. {"heartbeat": 50000}.'),
  });

/** `10.0.0.0/8`, `fd00::/8` or a single address. */
function isAddressRange(text: string): boolean {
  const [address = '', bits, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const addressRanges = (what: string) =>
  z
    .array(z.string().refine(isAddressRange, 'expected an address range such as 10.0.0.0/8 or fd00::/8, or one address'))
    .default([])
    .describe(`When not empty, ${what} are answered only for callers whose address is in one of these ranges (CIDR); others get no-permission.`);

const openScopeSchema = (scope: string, what: string) =>
  z.strictObject({
    requireToken: z.boolean().default(false).describe(`${what[0]!.toUpperCase()}${what.slice(1)} need a token with scope ${scope} (Authorization: Bearer); off by default, as unchanged Java clients send none.`),
    allowedCidrs: addressRanges(what),
  });

export const configSchema = z.strictObject({
  port: int(0, 65_535).default(8080).describe('HTTP and WebSocket port; 0 picks a free port.'),
  host: z.string().min(1).default('0.0.0.0').describe('Address to listen on.'),
  contextPath: z.string().default('').describe('Path prefix the API also answers under, e.g. /artemis-web.'),
  regionId: z.string().min(1).default('default').describe('Region of this node; registry calls from other regions are refused.'),
  zoneId: z.string().min(1).default('default').describe('Zone of this node.'),
  nodeId: z.string().default('').describe('Node id; defaults to <hostname>:<port>.'),
  nodeUrl: z.string().default('').describe('Base URL clients and peers use for this node; defaults to http://<host>:<port><contextPath>.'),
  appId: z.string().default('artemis').describe('Application id reported by deployment.json.'),
  dataDir: z.string().min(1).default('./data').describe('Directory for the files of this node.'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Minimum log level.'),
  log: z
    .strictObject({
      format: z.enum(['json', 'pretty', 'auto']).default('auto').describe('json: one JSON object per line; pretty: readable lines (pino-pretty); auto: pretty when stdout is a terminal, json otherwise.'),
      accessLog: z.boolean().default(false).describe('One info line per HTTP request: method, route, status, duration, client address, and the trace and span id of a traced request. Off by default, and then costs nothing.'),
      summaryIntervalMs: int(1_000, 3_600_000).default(60_000).describe('Rate-limit rejections are logged as one line per interval, with counts per limiter and client address.'),
      maxBufferBytes: int(65_536, 1_073_741_824).default(16_777_216).describe('JSON log lines are written to stdout asynchronously, so a slow or full stdout never blocks the event loop; lines beyond this many buffered bytes are dropped (and counted in artemis_log_dropped_lines_total). Pretty output stays synchronous.'),
    })
    .prefault({}),
  registry: z
    .strictObject({
      allowFromOtherZone: z.boolean().default(true).describe('Accept registrations from instances of other zones of the region.'),
      resumeGuardMs: int(0, 600_000).default(2_000).describe('A node whose event loop stalled this long (paused, SIGSTOP) answers the client writes that waited through the stall (and, for half the guard after it, those it reads late) with service-unavailable instead of applying them late; 0 = off.'),
      lease: leaseSchema(20_000).prefault({}),
      legacyLease: leaseSchema(90_000).prefault({}),
      selfPreservation: selfPreservationSchema(10_000).prefault({}),
      legacySelfPreservation: selfPreservationSchema(60_000).prefault({}),
    })
    .prefault({}),
  discovery: z
    .strictObject({
      allowFromOtherZone: z.boolean().default(true).describe('Answer discovery calls from other zones of the region.'),
      coalesceMs: int(0, 10_000).default(20).describe('Registry changes within this window share one cache rebuild and one version bump; under heavy churn the window stretches so rebuilds take at most a fifth of the time. Unregistrations do not wait for it: they are rebuilt at the end of the job that made them.'),
      deltaHistoryCount: int(0, 100_000).default(64).describe('Most older cache versions services-delta.json can answer for.'),
      deltaHistoryMaxAgeMs: int(1_000, 86_400_000).default(300_000).describe('How long a superseded cache version stays answerable by services-delta.json.'),
      deltaHistoryMaxChanges: int(0, 100_000_000).default(100_000).describe('Most instance changes the delta history keeps over all its versions (oldest versions dropped first; clients behind them reload). 0 = no bound.'),
      gzipMinBytes: int(0, 1_073_741_824).default(1_024).describe('Discovery responses larger than this are gzip-compressed for callers that accept gzip.'),
      rebuildSliceMs: int(1, 1_000).default(4).describe('Longest part of a coalesced cache rebuild done in one turn of the event loop; a rebuild of more services goes on after the I/O waiting by then, so a large burst of changes never holds other work for longer.'),
    })
    .prefault({}),
  websocket: z
    .strictObject({
      maxSessions: int(0, 1_000_000).default(50_000).describe('Open WebSocket sessions allowed per channel; more are refused with HTTP 503.'),
      maxFrameBytes: int(1_024, 67_108_864).default(1_048_576).describe('Largest inbound text frame (Java peers cap theirs at 8 KiB).'),
      maxBufferedBytes: int(1_024, 1_073_741_824).default(4_194_304).describe('A subscriber with more unsent bytes than this is disconnected (close code 1013).'),
      pingIntervalMs: int(0, 3_600_000).default(30_000).describe('Server pings each session this often; one that missed the previous pong is closed. 0 = off.'),
      sessionTtlMs: int(0, 86_400_000).default(0).describe('Close sessions older than this, as the Java server does after 6-7 min. 0 = never.'),
      ipBlacklist: z.array(z.string()).default([]).describe('Remote addresses refused on every WebSocket channel.'),
    })
    .prefault({}),
  store: z
    .strictObject({
      url: z.string().default('').describe('Management store: empty for SQLite in dataDir; redis://host:port/db, redis+sentinel://host:port,host:port/<master>[/db] or redis+cluster://host:port,host:port for a cluster; mysql://user:pass@host:port/db for the Java schema.'),
      keyPrefix: z.string().min(1).default('artemis:').describe('Prefix of every Redis key of this cluster.'),
      timeoutMs: int(50, 600_000).default(2_000).describe('Redis: time allowed for one store command or connection attempt; a store that does not answer within it counts as unavailable, and management writes answer service-unavailable at once until it answers again.'),
      minReplicas: int(0, 100).default(0).describe('Redis: a management write is acknowledged only once this many replicas have it (WAIT); 0 = once the primary has it.'),
      replicaTimeoutMs: int(1, 600_000).default(1_000).describe('Redis: how long a management write waits for store.minReplicas replicas before it fails with service-unavailable.'),
      nodeLocal: z.boolean().default(false).describe('This node keeps management state of its own on purpose: a store that differs from its peers\' is still reported, but does not make the node unready or refuse management writes.'),
    })
    .prefault({}),
  management: z
    .strictObject({
      refreshIntervalMs: int(100, 3_600_000).default(30_000).describe('Full reload of management state as a safety net beside the change feed.'),
      logRetentionDays: int(1, 36_500).default(90).describe('Audit-log rows older than this are deleted (checked hourly).'),
      logQueryLimit: int(1, 1_000_000).default(10_000).describe('Most rows one log query returns (oldest first).'),
      maxCanaryIps: int(1, 100_000).default(1_000).describe('Most canary IPs in one update-canary-ips request.'),
      maxZoneOperations: int(1, 100_000).default(1_000).describe('Most zone operations in one operate-zone-operations request.'),
      maxRoutingBatch: int(1, 100_000).default(1_000).describe('Most entries (groups, rules, links, tags, members, logical instances, group operations) in one group write.'),
    })
    .prefault({}),
  security: z
    .strictObject({
      managementAuth: z
        .boolean()
        .default(true)
        .describe('Management writes need a token with scope operate and token administration one with scope admin (Authorization: Bearer, or the Java request\'s token field); false turns these checks off and logs a warning at every start.'),
      initialAdminToken: z
        .string()
        .refine((v) => v === '' || v.length >= 32, 'must be empty or at least 32 characters')
        .default('')
        .describe('Secret of the admin token a node creates when the store holds no token yet (written to <dataDir>/admin.token); empty: a random one.'),
      read: openScopeSchema('read', 'discovery and management reads (HTTP and WebSocket)').prefault({}),
      register: openScopeSchema('register', 'register, heartbeat and unregister calls (HTTP and WebSocket)').prefault({}),
      operate: z.strictObject({ allowedCidrs: addressRanges('management writes') }).prefault({}),
      admin: z.strictObject({ allowedCidrs: addressRanges('token administration calls') }).prefault({}),
    })
    .prefault({}),
  rateLimit: z
    .strictObject({
      windowMs: int(1_000, 300_000).multipleOf(1_000).default(10_000).describe('Sliding window of every rate limiter (whole seconds).'),
      registry: limiterSchema(100_000).prefault({}),
      replication: limiterSchema(1_000_000).prefault({}),
      cluster: limiterSchema(10_000).prefault({}),
      status: limiterSchema(30, { 'get-leases': 10 }).prefault({}),
      // Status reads marked `x-artemis-caller: operator` (the CLI, a console): counted apart from rateLimit.status.
      operator: limiterSchema(300).prefault({}),
      group: limiterSchema(30).prefault({}),
      perClient: z
        .strictObject({
          enabled: z.boolean().default(false).describe('Also limit registry calls per client address.'),
          limit: int(1, 100_000_000).default(20_000).describe('Registry requests one client address may make per window.'),
          maxTrackedClients: int(1, 10_000_000).default(100_000).describe('Client addresses tracked at once.'),
        })
        .prefault({}),
    })
    .prefault({}),
  limits: z
    .strictObject({
      maxBodyBytes: int(1_024, 1_073_741_824).default(4 * 1024 * 1024).describe('Largest request body, after gzip inflation.'),
      maxInstancesPerRequest: int(1, 1_000_000).default(10_000).describe('Most instances in one register/heartbeat/unregister request.'),
      maxFieldLength: int(16, 1_048_576).default(2_048).describe('Longest string field of an instance (ids, url, ...).'),
      maxMetadataEntries: int(0, 100_000).default(128).describe('Most metadata entries of one instance.'),
      maxMetadataBytes: int(0, 1_048_576).default(16_384).describe('Largest total size of one instance metadata (keys and values).'),
      maxInstances: int(0, 100_000_000).default(2_000_000).describe('Most instances this node holds; client registrations of new instances beyond it are refused (replicated ones are kept). 0 = no limit.'),
      maxInstancesPerService: int(0, 100_000_000).default(100_000).describe('Most instances of one service; client registrations of new instances beyond it are refused. 0 = no limit.'),
      maxInstancesPerClient: int(0, 100_000_000).default(10_000).describe('Most instances registered from one client address at a time (raise it behind a proxy or NAT that hides client addresses). 0 = no limit.'),
      maxRegistrationsPerClientPerSecond: int(0, 100_000_000).default(1_000).describe('Most instances one client address may register per second (each instance of a register request counts). 0 = no limit.'),
      maxTrackedClients: int(1, 10_000_000).default(100_000).describe('Client addresses the per-second registration limit tracks at once (least recently seen forgotten first).'),
      maxSubscriptionsPerSession: int(0, 10_000_000).default(10_000).describe('Most services one WebSocket session may subscribe to; a session that asks for more is closed (code 1008). 0 = no limit.'),
      maxConnectionsPerAddress: int(0, 10_000_000).default(1_024).describe('Open TCP connections (HTTP and WebSocket) allowed per client address; more are answered 429 and closed. 0 = no limit.'),
      maxAntiEntropyServices: int(ANTI_ENTROPY_SERVICES_PER_ROUND, 10_000_000).default(10_000).describe(`Most service ids one anti-entropy diff request of a peer (replication/registry/diff.json) may ask for; more are answered bad-request. A peer asks for at most ${ANTI_ENTROPY_SERVICES_PER_ROUND.toLocaleString('en-US')} a round.`),
    })
    .prefault({}),
  cors: z
    .strictObject({
      allowedOrigins: z.array(z.string()).default([]).describe('Web origins (scheme://host[:port]) whose pages may call this node and read its answers; "*" for any (never with credentials). Empty: none, the node\'s own console is same-origin.'),
    })
    .prefault({}),
  cluster: z
    .strictObject({
      seeds: z.array(z.string()).default([]).describe('Gossip seeds: peer URLs (this node\'s own may be listed), dns://name:port[/path] for every A record, or srv://_name._tcp.domain for SRV records.'),
      peers: z.array(z.string()).default([]).describe('Static peers that do not gossip (e.g. Java Artemis nodes): followed by polling their status/node.json and replicated to.'),
      key: z.string().default('').describe('Cluster key (at least 32 characters, e.g. `openssl rand -hex 32`): every peer call is signed with it (HMAC-SHA256) and unsigned ones are refused. Required once the node has seeds or peers.'),
      keyFile: z.string().default('').describe('File holding the cluster key (read at start, surrounding whitespace ignored), instead of cluster.key.'),
      previousKeys: z.array(z.string().min(32)).default([]).describe('Keys still accepted besides cluster.key while a new key is rolled out.'),
      insecure: z.boolean().default(false).describe('Development only: lets a node with seeds or peers run without a cluster key; peer calls are then neither signed nor checked. Logs a warning at every start.'),
      maxClockSkewMs: int(1_000, 600_000).default(30_000).describe('Signed peer calls whose timestamp is further than this from the node\'s clock are refused; their nonces are remembered twice as long.'),
      nonceCacheSize: int(1_000, 10_000_000).default(200_000).describe('Most peer-call nonces remembered at once; while it is full of unexpired ones, peer calls are refused with 503.'),
      aliases: z.array(z.string()).default([]).describe('Extra host[:port] names peers may address this node by (e.g. a load balancer), besides its advertised URL and the address a call arrives on.'),
      trustedAddresses: z.array(z.string()).default([]).describe('Addresses whose unsigned calls are accepted on the replication endpoints Java peers call (register, heartbeat, unregister, services); never on gossip or anti-entropy.'),
      gossipIntervalMs: int(50, 60_000).default(1_000).describe('Period of a gossip round.'),
      gossipFanout: int(1, 100).default(3).describe('Members contacted per gossip round.'),
      gossipTimeoutMs: int(10, 60_000).default(1_000).describe('Timeout of one gossip exchange.'),
      suspectAfterMs: int(100, 3_600_000).default(3_000).describe('A member not heard from for this long is suspect (kept as a replication target, left out of up-*-nodes).'),
      deadAfterMs: int(200, 3_600_000).default(8_000).describe('A member not heard from for this long is dead: no longer replicated to or listed.'),
      forgetAfterMs: int(1_000, 86_400_000).default(300_000).describe('Dead or departed members are forgotten this long after they went.'),
      seedRefreshMs: int(1_000, 3_600_000).default(30_000).describe('DNS seeds are resolved again this often.'),
      joinTimeoutMs: int(0, 600_000).default(3_000).describe('At start, wait this long for a seed to answer before starting alone.'),
      statusPollIntervalMs: int(100, 600_000).default(5_000).describe('Static peers\' status/node.json is polled this often.'),
    })
    .superRefine((c, ctx) => {
      if (c.key !== '' && c.key.length < 32) ctx.addIssue({ code: 'custom', path: ['key'], message: 'a cluster key needs at least 32 characters (e.g. `openssl rand -hex 32`)' });
      if (c.key !== '' && c.keyFile !== '') ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'set cluster.key or cluster.keyFile, not both' });
      if (c.seeds.length + c.peers.length > 0 && c.key === '' && c.keyFile === '' && !c.insecure) {
        ctx.addIssue({
          code: 'custom',
          path: ['key'],
          message: 'a node with cluster.seeds or cluster.peers needs a cluster key to sign peer calls: set cluster.key (or cluster.keyFile) to the same random value on every node, e.g. `openssl rand -hex 32`; cluster.insecure=true runs without one, for development only',
        });
      }
    })
    .prefault({}),
  replication: z
    .strictObject({
      maxQueue: int(1, 10_000_000).default(10_000).describe('Replication tasks queued per peer; on overflow the oldest is dropped.'),
      maxBatch: int(1, 10_000).default(250).describe('Most instances in one replication request.'),
      batchDelayMs: int(0, 60_000).default(100).describe('Longest a queued replication task waits for its batch to fill.'),
      timeoutMs: int(10, 600_000).default(2_000).describe('Timeout of one replication request.'),
      taskTtlMs: int(100, 3_600_000).default(30_000).describe('A replication task not acknowledged this long after the client write is dropped.'),
      startupSyncTimeoutMs: int(0, 600_000).default(5_000).describe('Start-up copy from peers: wait this long for a peer, then start empty.'),
      antiEntropyIntervalMs: int(0, 3_600_000).default(1_000).describe('Registry digests are compared with every live peer this often; services that differ in two rounds in a row are repaired. 0 = off.'),
      tombstoneTtlMs: int(1_000, 86_400_000).default(120_000).describe('How long an unregistration is remembered (a tombstone), so no stale heartbeat, replicated write, start-up copy or anti-entropy repair brings the instance back.'),
    })
    .prefault({}),
  tracing: z
    .strictObject({
      enabled: z.boolean().default(false).describe('Start OpenTelemetry tracing (exporter and endpoint from the standard OTEL_* variables).'),
      serviceName: z.string().min(1).default('artemis').describe('service.name of the spans, unless OTEL_SERVICE_NAME is set.'),
    })
    .prefault({}),
  tls: z
    .strictObject({
      certFile: z.string().default('').describe('PEM certificate (chain) of the node: set with tls.keyFile, the node serves HTTPS and WSS only, and advertises https://.'),
      keyFile: z.string().default('').describe('PEM private key of tls.certFile.'),
      caFile: z.string().default('').describe('PEM CA bundle that peers\' certificates must chain to (the system CAs when empty); with tls.mutual, also their client certificates.'),
      mutual: z.boolean().default(false).describe('Mutual TLS between peers: peer calls present tls.certFile, and peer-only endpoints refuse calls without a client certificate that chains to tls.caFile (clients need none).'),
      reloadIntervalMs: int(100, 3_600_000).default(10_000).describe('The TLS files are checked this often; a changed certificate is taken without a restart.'),
    })
    .superRefine((t, ctx) => {
      if ((t.certFile === '') !== (t.keyFile === '')) ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'set tls.certFile and tls.keyFile together' });
      if (t.mutual && (t.certFile === '' || t.caFile === '')) ctx.addIssue({ code: 'custom', path: ['mutual'], message: 'mutual TLS needs tls.certFile, tls.keyFile and tls.caFile' });
    })
    .prefault({}),
  http: z
    .strictObject({
      keepAliveTimeoutMs: int(0, 600_000).default(65_000).describe('Idle keep-alive connection timeout.'),
      headersTimeoutMs: int(1, 600_000).default(10_000).describe('Time allowed to receive the request headers; a connection that is slower is closed (at most requestTimeoutMs).'),
      requestTimeoutMs: int(0, 600_000).default(30_000).describe('Time allowed to receive a whole request, headers and body; a connection that is slower is closed.'),
      shutdownTimeoutMs: int(100, 600_000).default(10_000).describe('Deadline for a graceful shutdown.'),
      maxWaitingBodies: int(1, 10_000_000).default(10_000).describe('Request bodies that may wait for a later turn (http.turnSliceMs); beyond it, further bodies are handled as they end, which slows the node\'s turns and pushes back on clients through TCP.'),
      turnSliceMs: z.number().min(0).max(1_000).default(1).describe('Request work one turn of the event loop takes (ms) before further request bodies wait for the next turn, in arrival order: keeps timers on time and lets waiting connections be accepted under load. 0 = no budget (each body is handled as it ends).'),
    })
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** Configuration after validation and derivation; frozen. */
export type Config = Readonly<ParsedConfig>;
export type LeaseConfig = ParsedConfig['registry']['lease'];
export type SelfPreservationConfig = ParsedConfig['registry']['selfPreservation'];
export type LimiterConfig = ParsedConfig['rateLimit']['registry'];
export type LimitsConfig = ParsedConfig['limits'];
export type WebSocketConfig = ParsedConfig['websocket'];
export type ReplicationConfig = ParsedConfig['replication'];
export type ClusterConfig = ParsedConfig['cluster'];
export type TracingConfig = ParsedConfig['tracing'];
export type SecurityConfig = ParsedConfig['security'];
