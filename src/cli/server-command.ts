import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createNode } from '../app.js';
import { ConfigError, loadConfig, readConfigFile, redactedConfig } from '../config/load.js';
import { createLogger, errorFields, type Logger } from '../telemetry/logger.js';
import { startTracingSdk, type TracingSdk } from '../telemetry/tracing.js';

export const SERVER_USAGE = `Usage: artemis server [options]

Starts a registry node. Configuration: defaults < --config file < ARTEMIS_* env < flags.

Options:
  --config <path>        YAML or JSON configuration file
  --port <n>             HTTP/WebSocket port (0 = any free port)          [8080]
  --host <addr>          listen address                                  [0.0.0.0]
  --region <id>          region of this node                             [default]
  --zone <id>            zone of this node                               [default]
  --context-path <path>  also answer below this path, e.g. /artemis-web
  --node-id <id>         node id                                         [<hostname>:<port>]
  --node-url <url>       URL clients and peers use for this node
  --advertise-url <url>  same as --node-url
  --seeds <list>         gossip seeds: URLs, dns://name:port or srv://name (comma-separated)
  --peers <list>         static peers that do not gossip, e.g. Java nodes (comma-separated)
  --cluster-key-file <f> file with the cluster key that signs peer calls (or ARTEMIS_CLUSTER_KEY)
  --data-dir <dir>       directory for this node's files                 [./data]
  --log-level <level>    fatal|error|warn|info|debug|trace|silent        [info]
  --log-format <format>  json|pretty|auto (pretty on a terminal)         [auto]
  --store <url>          management store: redis://host:port/db          [SQLite in --data-dir]
  --set <key=value>      any configuration key, e.g. --set registry.lease.ttlMs=30000
  -h, --help             show this help
`;

export const FLAG_KEYS: Record<string, string> = {
  port: 'port',
  host: 'host',
  region: 'regionId',
  zone: 'zoneId',
  'context-path': 'contextPath',
  'node-id': 'nodeId',
  'node-url': 'nodeUrl',
  'advertise-url': 'nodeUrl',
  seeds: 'cluster.seeds',
  peers: 'cluster.peers',
  'cluster-key-file': 'cluster.keyFile',
  'data-dir': 'dataDir',
  'log-level': 'logLevel',
  'log-format': 'log.format',
  store: 'store.url',
};

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

function parseServerArgs(argv: string[]) {
  const options = Object.fromEntries(Object.keys(FLAG_KEYS).map((k) => [k, { type: 'string' as const }]));
  return parseArgs({
    args: argv,
    options: {
      ...options,
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values as Record<string, string | string[] | boolean | undefined>;
}

function flagOverrides(values: Record<string, string | string[] | boolean | undefined>): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(FLAG_KEYS)) if (typeof values[flag] === 'string') flags[key] = values[flag];
  for (const item of (values.set as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError([`--set ${item}: expected key=value`]);
    flags[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  return flags;
}

/** Installs SIGTERM/SIGINT and fatal-error handlers that stop the node and exit. */
function installShutdown(stop: () => Promise<void>, logger: Logger, deadlineMs: number): void {
  let exiting = false;
  const shutdown = (reason: string, code: number) => {
    if (exiting) return;
    exiting = true;
    logger.info({ reason }, 'shutdown requested');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline exceeded; exiting');
      logger.flush();
      process.exit(1);
    }, deadlineMs + 1000);
    timer.unref();
    stop().then(
      () => {
        process.exitCode = code;
      },
      (err: unknown) => {
        logger.error(errorFields(err), 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    logger.error(errorFields(err), 'uncaught exception');
    shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (err) => {
    logger.error(errorFields(err), 'unhandled promise rejection');
    shutdown('unhandledRejection', 1);
  });
}

/** `artemis server`: returns the process exit code when it fails to start, else runs until a signal. */
export async function serverCommand(argv: string[], io: CommandIO, env: Record<string, string | undefined>): Promise<number | undefined> {
  let values;
  try {
    values = parseServerArgs(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${SERVER_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.out(SERVER_USAGE);
    return 0;
  }
  let loaded;
  try {
    const file = typeof values.config === 'string' ? readConfigFile(values.config) : undefined;
    loaded = loadConfig({ file, env, flags: flagOverrides(values) });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { config } = loaded;
  const logger = createLogger({ level: config.logLevel, format: config.log.format, maxBufferBytes: config.log.maxBufferBytes });
  // The SDK must be registered before the node takes its tracer from the global provider.
  let tracingSdk: TracingSdk | undefined;
  if (config.tracing.enabled) {
    try {
      tracingSdk = await startTracingSdk(config.tracing, env);
    } catch (err) {
      logger.error(errorFields(err), 'tracing failed to start');
      return 1;
    }
  }
  const node = createNode(config, { logger, configOrigins: loaded.origins });
  /** Stops the node, then flushes pending spans, all before the shutdown deadline. */
  const stop = async () => {
    const flushBy = Date.now() + config.http.shutdownTimeoutMs + 500;
    await node.stop();
    if (tracingSdk === undefined || (await tracingSdk.shutdown(Math.max(0, flushBy - Date.now())))) return;
    logger.warn({}, 'pending spans could not be exported before the shutdown deadline; dropped');
    logger.flush();
    // The exporter's retry timers would keep the process alive; exit once the exit code is set.
    setImmediate(() => process.exit());
  };
  try {
    mkdirSync(config.dataDir, { recursive: true });
    await node.start();
  } catch (err) {
    logger.error(errorFields(err), 'node failed to start');
    await stop();
    return 1;
  }
  for (const w of loaded.warnings) logger.warn({}, w);
  logger.info({ config: redactedConfig(config) }, 'effective configuration');
  installShutdown(stop, logger, config.http.shutdownTimeoutMs);
  return undefined;
}
