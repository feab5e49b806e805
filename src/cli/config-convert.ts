import { Document, isMap, isScalar } from 'yaml';
import { configLeaves } from '../config/leaves.js';

/** Result of converting a Java Artemis server property file. */
export interface Conversion {
  /** Nested configuration values, ready to write as YAML. */
  values: Record<string, unknown>;
  mapped: Array<{ javaKey: string; key: string }>;
  unmapped: Array<{ javaKey: string; reason: string }>;
  /**
   * The zones of `artemis.service.cluster.nodes`. `cluster.peers` holds the URLs only: a peer
   * reports its own region and zone at status/node.json, which the node polls.
   */
  peerZones: ZoneNodes[];
}

type Target = { key: string; value: unknown } | { reason: string };
type Rule = [RegExp, (m: RegExpMatchArray, value: string) => Target];

const MANAGERS: Record<string, string> = { instance: '', 'legacy-instance': 'legacy' };
const LIMITERS: Record<string, string> = {
  'artemis.service.registry': 'registry',
  'artemis.service.registry.replication': 'replication',
  'artemis.service.cluster': 'cluster',
  'artemis.service.status': 'status',
  'artemis.service.management.group': 'group',
};
const SAFE_CHECKER: Record<string, string> = {
  enabled: 'enabled',
  'time-window': 'windowMs',
  'percentage-threshold': 'percentageThreshold',
  'max-count-threshold': 'maxCountThreshold',
  'max-count-reset-interval': 'maxCountResetIntervalMs',
  'dynamic-scheduled-thread.run-interval': 'checkIntervalMs',
};

const num = (v: string) => Number(v);
const bool = (v: string) => v.toLowerCase() === 'true';
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const map = (v: string) => Object.fromEntries(list(v).map((item) => [item.slice(0, item.indexOf(':')).trim(), Number(item.slice(item.indexOf(':') + 1))]));
/** The nodes of one zone of Java's `artemis.service.cluster.nodes`. */
export interface ZoneNodes {
  /** Null for URLs given without a zone. */
  zoneId: string | null;
  urls: string[];
}

/**
 * Java's node list `zoneA:url1,url2;zoneB:url3` (a list multimap) by zone, in order. A part
 * that starts with a URL scheme (`http://host:8080/artemis-service/`) has no zone: its colon
 * belongs to the URL.
 */
export function nodesByZone(v: string): ZoneNodes[] {
  const out: ZoneNodes[] = [];
  for (const raw of v.split(';')) {
    const part = raw.trim();
    if (part === '') continue;
    const colon = part.indexOf(':');
    const bare = colon < 0 || /^[a-z][a-z0-9+.-]*:\/\//i.test(part);
    const zoneId = bare ? null : part.slice(0, colon).trim();
    const urls = list(bare ? part : part.slice(colon + 1));
    const same = out.find((z) => z.zoneId === zoneId);
    if (same !== undefined) same.urls.push(...urls);
    else out.push({ zoneId, urls });
  }
  return out;
}

const nodeUrls = (v: string) => nodesByZone(v).flatMap((z) => z.urls);

const managerKey = (m: string, leaf: string) => (MANAGERS[m] === '' ? leaf : `legacy${leaf[0]!.toUpperCase()}${leaf.slice(1)}`);

const NOT_NEEDED = {
  snapshots: 'not needed: discovery snapshots are rebuilt on change, not on a timer',
  threads: 'not needed: Node.js runs one event loop, no thread pools to size',
  sizing: 'not needed: maps grow as needed',
  client: 'not needed: peer HTTP clients use keep-alive with the replication timeouts',
  status: 'not needed: node state comes from the node itself, not from forced flags',
};

const RULES: Rule[] = [
  [/^region\.id$/, (_, v) => ({ key: 'regionId', value: v })],
  [/^zone\.id$/, (_, v) => ({ key: 'zoneId', value: v })],
  [/^app\.id$/, (_, v) => ({ key: 'appId', value: v })],
  [/^app\.port$/, (_, v) => ({ key: 'port', value: num(v) })],
  [/^artemis\.service\.registry\.(instance|legacy-instance)\.lease-manager\.lease\.ttl$/, (m, v) => ({ key: `registry.${managerKey(m[1]!, 'lease')}.ttlMs`, value: num(v) })],
  [/^artemis\.service\.registry\.(instance|legacy-instance)\.lease-manager\.clean-task\.run-interval$/, (m, v) => ({ key: `registry.${managerKey(m[1]!, 'lease')}.sweepIntervalMs`, value: num(v) })],
  [/^artemis\.service\.registry\.(instance|legacy-instance)\.lease-manager\.lease-update-safe-checker\.(.+)$/, (m, v) => {
    const leaf = SAFE_CHECKER[m[2]!];
    if (leaf === undefined) return { reason: 'not needed: the first check runs one interval after start' };
    return { key: `registry.${managerKey(m[1]!, 'selfPreservation')}.${leaf}`, value: leaf === 'enabled' ? bool(v) : num(v) };
  }],
  [/^artemis\.service\.registry\.(instance|legacy-instance)\.lease-manager\.(clean-task\.(init-delay|thread-count)|thread-pool-size)$/, () => ({ reason: NOT_NEEDED.threads })],
  [/^artemis\.service\.registry\.(instance|legacy-instance)\.lease-manager\.data\.init-capacity$/, () => ({ reason: NOT_NEEDED.sizing })],
  [/^artemis\.service\.(registry|discovery)\.allow-from-other-zone$/, (m, v) => ({ key: `${m[1]!}.allowFromOtherZone`, value: bool(v) })],
  [/^(artemis\.service\.(?:registry\.replication|registry|cluster|status|management\.group))\.rate-limiter\.(enabled|default-rate-limit|rate-limit-map)$/, (m, v) => {
    const limiter = LIMITERS[m[1]!]!;
    if (m[2] === 'enabled') return { key: `rateLimit.${limiter}.enabled`, value: bool(v) };
    if (m[2] === 'default-rate-limit') return { key: `rateLimit.${limiter}.defaultLimit`, value: num(v) };
    return { key: `rateLimit.${limiter}.limits`, value: map(v) };
  }],
  [/^artemis\.service\.websocket\.session\.ttl$/, (_, v) => ({ key: 'websocket.sessionTtlMs', value: num(v) })],
  [/^artemis\.service\.websocket\.session\.health-checker\./, () => ({ reason: 'not needed: sessions are checked every websocket.pingIntervalMs' })],
  [/^artemis\.service\.service-(heartbeat|discovery|discoveries)\.ws-ip\.black-list$/, (_, v) => ({ key: 'websocket.ipBlacklist', value: list(v) })],
  [/^artemis\.service\.service-(heartbeat|discovery|discoveries)\.ws-ip\.black-list\.enabled$/, () => ({ reason: 'not needed: an empty websocket.ipBlacklist disables it' })],
  [/^artemis\.service\.cluster\.nodes$/, (_, v) => ({ key: 'cluster.peers', value: nodeUrls(v) })],
  [/^artemis\.service\.cluster\.node\.status\./, () => ({ reason: NOT_NEEDED.status })],
  [/^artemis\.service\.cluster\.(nodes\.status-update|node\.init)\./, () => ({ reason: 'not needed: peers are followed by the cluster membership' })],
  [/^artemis\.service\.discovery\.versioned-cache\./, () => ({ reason: NOT_NEEDED.snapshots })],
  [/^artemis\.service\.registry\.(data\.init-capacity|data\.instance-change\.(max-buffer-size|poll-wait)|change-publisher\.thread-count)$/, () => ({ reason: 'not needed: changes are pushed in order as they happen, one frame per change' })],
  [/^artemis\.service\.registry\.replication\.batching\.task-acceptor\.max-batching-size$/, (_, v) => ({ key: 'replication.maxBatch', value: num(v) })],
  [/^artemis\.service\.registry\.replication\.batching\.task-acceptor\.max-batching-delay$/, (_, v) => ({ key: 'replication.batchDelayMs', value: num(v) })],
  [/^artemis\.service\.registry\.(register|heartbeat|unregister)\.replication\.task-ttl$/, (_, v) => ({ key: 'replication.taskTtlMs', value: num(v) })],
  [/^artemis\.service\.registry\.(register|heartbeat|unregister)\.replication\.batching-enabled$/, () => ({ reason: 'not needed: every operation is batched per peer' })],
  [/^artemis\.service\.registry\.replicat(i)?on\.(batching|non-batching)\./, () => ({ reason: NOT_NEEDED.threads })],
  [/^artemis\.service\.registry\.(replication|status)(\.[a-z-]+)?\.client\./, () => ({ reason: NOT_NEEDED.client })],
  [/^artemis\.service\.inet-socket-address\./, () => ({ reason: 'not needed: remote addresses are taken from the socket' })],
  [/^artemis\.(trace|metric)\./, () => ({ reason: 'not needed: tracing is OpenTelemetry, metrics are Prometheus' })],
  [/^artemis\.management\./, () => ({ reason: 'not needed: management state follows its store change feed' })],
];

/** Reads a Java .properties text: `key=value` or `key: value`, `#`/`!` comments, `\` continuations. */
export function parseProperties(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    const at = line.search(/[=:]/);
    if (at <= 0) continue;
    out.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  }
  return out;
}

const KNOWN_KEYS = new Set(configLeaves.map((l) => l.path.join('.')));

function setPath(tree: Record<string, unknown>, key: string, value: unknown): void {
  const path = key.split('.');
  let cur = tree;
  for (const seg of path.slice(0, -1)) cur = (cur[seg] ??= {}) as Record<string, unknown>;
  const last = path[path.length - 1]!;
  const prev = cur[last];
  cur[last] = Array.isArray(prev) && Array.isArray(value) ? [...new Set<unknown>([...(prev as unknown[]), ...(value as unknown[])])] : value;
}

/** Maps every key of a Java Artemis server property file to a config key, or says why it cannot. */
export function convertProperties(text: string): Conversion {
  const result: Conversion = { values: {}, mapped: [], unmapped: [], peerZones: [] };
  for (const [javaKey, value] of parseProperties(text)) {
    if (value === '') {
      result.unmapped.push({ javaKey, reason: 'blank: the default applies' });
      continue;
    }
    const rule = RULES.find(([re]) => re.test(javaKey));
    const target: Target = rule === undefined ? { reason: 'no counterpart' } : rule[1](javaKey.match(rule[0])!, value);
    if ('reason' in target) result.unmapped.push({ javaKey, reason: target.reason });
    else if (!KNOWN_KEYS.has(target.key)) result.unmapped.push({ javaKey, reason: `would map to ${target.key}, which this version does not have` });
    else {
      setPath(result.values, target.key, target.value);
      result.mapped.push({ javaKey, key: target.key });
      if (javaKey === 'artemis.service.cluster.nodes') result.peerZones.push(...nodesByZone(value));
    }
  }
  // A node with peers signs its calls: the key is read from a file the operator creates.
  if (result.peerZones.length > 0) setPath(result.values, 'cluster.keyFile', CONVERTED_KEY_FILE);
  return result;
}

/** Where a converted config with peers reads its cluster key from. */
export const CONVERTED_KEY_FILE = 'cluster.key';

/**
 * The conversion as a YAML config file. The zones of the Java node list stay visible as a
 * comment above `cluster.peers`.
 */
export function conversionYaml(result: Conversion): string {
  const doc = new Document(result.values);
  const cluster = doc.get('cluster', true);
  const peers = isMap(cluster) ? cluster.items.find((p) => isScalar(p.key) && p.key.value === 'peers')?.key : undefined;
  if (isScalar(peers) && result.peerZones.length > 0) {
    const zones = result.peerZones.map((z) => ` ${z.zoneId ?? '(no zone)'}: ${z.urls.join(', ')}`);
    peers.commentBefore = [' Java artemis.service.cluster.nodes by zone (each peer reports its zone at status/node.json):', ...zones].join('\n');
  }
  const keyFile = isMap(cluster) ? cluster.items.find((p) => isScalar(p.key) && p.key.value === 'keyFile')?.key : undefined;
  if (isScalar(keyFile)) {
    keyFile.commentBefore = [
      ' The cluster key that signs peer calls, the same on every node of this registry, e.g.',
      `   (umask 077; openssl rand -hex 32 > ${CONVERTED_KEY_FILE})`,
      ' Java peers cannot sign: list their addresses in cluster.trustedAddresses.',
    ].join('\n');
  }
  return doc.toString();
}
