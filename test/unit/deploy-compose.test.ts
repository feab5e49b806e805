import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { Ajv } from 'ajv';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseRedisUrl } from '../../src/store/redis/redis-url.js';
import { root, read, require, serverConfig, lazy, sorted, expectSeedsAreAllNodes, durationSeconds, workdir, type Obj } from './deploy-helpers.js';

/** docker-compose.yml against the Compose specification, and the configuration of each node it starts. */


// ---------------------------------------------------------------------------------------------
// docker-compose.yml

/** Compose variable interpolation with an empty environment: ${X:-default}, ${X-default}, ${X}. */
function interpolate(text: string): string {
  return text.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name, fallback: string | undefined) => fallback ?? '').replace(/\$\$/g, '$');
}

const composeSchemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');

function composeValidator() {
  const schema = JSON.parse(readFileSync(composeSchemaPath, 'utf8')) as Obj;
  delete schema.$schema; // draft-07, spelled with https: Ajv's default meta-schema
  return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
}

/** The store services of a compose file: the primary, its replicas, and the sentinels with the configuration each one writes. */
function storeServices(compose: Obj) {
  const services = compose.services as Record<string, Obj>;
  const argAfter = (args: string[], flag: string, n = 1) => {
    const at = args.indexOf(flag);
    return at < 0 ? undefined : args.slice(at + 1, at + 1 + n).join(' ');
  };
  const servers = Object.entries(services)
    .filter(([, svc]) => Array.isArray(svc.command) && svc.command[0] === 'redis-server')
    .map(([name, svc]) => ({ name, svc, port: Number(argAfter(svc.command as string[], '--port') ?? 6379), replicaOf: argAfter(svc.command as string[], '--replicaof', 2) }));
  const sentinels = Object.entries(services)
    .filter(([, svc]) => (svc.entrypoint as string[] | undefined)?.join(' ').includes('--sentinel') === true)
    .map(([name, svc]) => {
      const mounted = (svc.configs as Obj[]).map((c) => ({ source: String(c.source), target: String(c.target) }));
      const script = (svc.entrypoint as string[]).join(' ');
      const source = mounted.find((c) => script.includes(c.target));
      expect(source, `${name} copies a mounted config file`).toBeDefined();
      const lines = String(compose.configs[source?.source ?? ''].content).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      const config = new Map(lines.map((l) => [l.split(' ').slice(0, l.startsWith('sentinel ') ? 2 : 1).join(' '), l.split(' ').slice(l.startsWith('sentinel ') ? 2 : 1).join(' ')]));
      const [master, host, port, quorum] = (config.get('sentinel monitor') ?? '').split(' ');
      const announce = /echo "sentinel announce-ip \$\$(\w+)"/.exec(script);
      return {
        name,
        svc,
        config,
        port: Number(config.get('port') ?? 26379),
        monitor: { master, host, port: Number(port), quorum: Number(quorum) },
        announceIp: announce === null ? undefined : (svc.environment as Record<string, string>)[announce[1] as string],
      };
    });
  const primaries = servers.filter((x) => x.replicaOf === undefined);
  expect(primaries.map((p) => p.name), 'one primary').toHaveLength(1);
  return { primary: primaries[0] as (typeof servers)[number], replicas: servers.filter((x) => x.replicaOf !== undefined), sentinels };
}

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as Obj;
  const services = compose.services as Record<string, Obj>;
  const composeStore = lazy(() => storeServices(compose));
  const nodeNames = Object.keys(services).filter((n) => n.startsWith('artemis'));
  const nodes = lazy(() =>
    nodeNames.map((name) => {
      const svc = services[name] as Obj;
      const env = Object.fromEntries(Object.entries(svc.environment as Record<string, string>).map(([k, v]) => [k, interpolate(String(v))]));
      return { name, svc, config: serverConfig((svc.command as string[]).map(interpolate), { env }) };
    }),
  );

  it('is valid against the Compose specification', () => {
    const validate = composeValidator();
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...compose, services: { x: { image: 'redis:7', healthcheck: { intervall: '5s' } } } })).toBe(false);
  });

  it('passes the Compose linter', () => {
    const off = [
      'no-build-and-image', // the three nodes share one locally built image
      'require-quotes-in-ports',
      'service-dependencies-alphabetical-order',
      'service-keys-order',
      'service-ports-alphabetical-order',
      'services-alphabetical-order',
      'top-level-properties-order',
    ];
    const linter = new DCLinter({ rules: Object.fromEntries(off.map((r) => [r, 0])), quiet: true, debug: false, exclude: [] });
    const [result] = linter.lintFiles([join(root, 'docker-compose.yml')], false);
    expect(result?.messages.map((m: { rule: string; message: string }) => `${m.rule}: ${m.message}`)).toEqual([]);
  });

  it('gives every node a command line and environment that `artemis server` accepts', () => {
    expect(nodes).not.toThrow();
  });

  it('runs three nodes built from the Dockerfile, after the replica and every sentinel are healthy', () => {
    expect(sorted(nodeNames)).toEqual(['artemis-1', 'artemis-2', 'artemis-3']);
    for (const { svc, config } of nodes()) {
      expect(svc.build.context).toBe('.');
      expect(svc.build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
      const sentinels = parseRedisUrl(config.store.url);
      const waitsFor = sentinels.mode === 'sentinel' ? [...sentinels.sentinels.map((a) => a.host), ...composeStore().replicas.map((r) => r.name)] : [];
      expect(waitsFor.length).toBeGreaterThan(0);
      for (const name of waitsFor) expect(svc.depends_on[name]?.condition, name).toBe('service_healthy');
      expect(svc.healthcheck.test.join(' ')).toMatch(/\/(ready|health)/);
    }
  });

  it('gives each node its own advertised URL and every node as a seed', () => {
    for (const { name, config } of nodes()) {
      expect(config.nodeId).toBe(name);
      expect(config.nodeUrl).toBe(`http://${name}:${config.port}`);
    }
    expectSeedsAreAllNodes(nodes().map((n) => n.config));
  });

  it('shares one highly available store: a primary and a replica, append-only, watched by three sentinels that the nodes go through', () => {
    const urls = new Set(nodes().map((n) => n.config.store.url));
    expect(urls.size).toBe(1);
    const target = parseRedisUrl([...urls][0] as string);
    if (target.mode !== 'sentinel') throw new Error(`the nodes' store URL names no sentinels: ${[...urls][0]}`);
    const store = composeStore();
    // the URL lists exactly the sentinel services, on the port they listen on, under the name they monitor
    expect(sorted(target.sentinels.map((a) => `${a.host}:${a.port}`))).toEqual(sorted(store.sentinels.map((x) => `${x.name}:${x.port}`)));
    expect(store.sentinels).toHaveLength(3);
    for (const x of store.sentinels) {
      expect(x.monitor).toEqual({ master: target.masterName, host: store.primary.name, port: store.primary.port, quorum: 2 });
      expect(x.config.get('sentinel resolve-hostnames')).toBe('yes');
      expect(x.config.get('sentinel announce-hostnames')).toBe('yes');
      expect(x.announceIp).toBe(x.name);
      expect(x.svc.healthcheck.test.join(' ')).toContain(`ckquorum ${target.masterName}`);
    }
    // one replica of the monitored primary; both keep every write on disk and announce their names
    expect(store.replicas).toHaveLength(1);
    for (const r of [store.primary, ...store.replicas]) {
      const args = (r.svc.command as string[]).join(' ');
      expect(args).toContain('--appendonly yes');
      expect(args).toContain('--appendfsync always');
      expect(args).toContain(`--replica-announce-ip ${r.name}`);
      expect(r.svc.healthcheck.test).toContain('ping');
    }
    expect(store.replicas[0]?.replicaOf).toBe(`${store.primary.name} ${store.primary.port}`);
    // a write is acknowledged once the replica has it: a failover loses no acknowledged write
    for (const { config } of nodes()) {
      expect(config.store.minReplicas).toBe(1);
      expect(config.store.nodeLocal).toBe(false);
    }
  });

  it('generates one cluster key that every node reads', () => {
    // Every node reads one key file, on a volume the cluster-key service writes it to first.
    const keyFiles = new Set(nodes().map((n) => n.config.cluster.keyFile));
    expect(keyFiles.size).toBe(1);
    const keyFile = [...keyFiles][0] as string;
    expect(nodes()[0]?.config.cluster.key).toBe('');
    const keygen = services['cluster-key'] as Obj;
    expect(keygen.entrypoint.join(' ')).toContain(keyFile);
    expect(keygen.entrypoint.join(' ')).toContain('randomBytes(32)');
    const [volume, mountPath] = (keygen.volumes[0] as string).split(':');
    expect(keyFile.startsWith(`${mountPath}/`)).toBe(true);
    for (const { svc } of nodes()) {
      expect(svc.depends_on['cluster-key'].condition).toBe('service_completed_successfully');
      expect(svc.volumes).toContain(`${volume}:${mountPath}:ro`);
    }
  });

  it('publishes the nodes on host ports 8081-8083, keeps their data on volumes, and stops them after the shutdown timeout', () => {
    const hostPorts = nodes().map(({ svc, config }) => {
      expect(svc.ports).toHaveLength(1);
      const parts = String(svc.ports[0]).split(':');
      expect(Number(parts.at(-1))).toBe(config.port);
      return Number(parts.at(-2));
    });
    expect(hostPorts.sort()).toEqual([8081, 8082, 8083]);
    for (const { name, svc, config } of nodes()) {
      const mounts = (svc.volumes as string[]).map((v) => v.split(':'));
      expect(mounts).toContainEqual([`${name}-data`, posix.resolve(workdir, config.dataDir)]);
      expect(compose.volumes).toHaveProperty(`${name}-data`);
      expect(durationSeconds(svc.stop_grace_period as string) * 1000).toBeGreaterThan(config.http.shutdownTimeoutMs);
    }
  });
  it('advertises each node on the port it is published on, so one line in /etc/hosts makes the URLs work on the host', () => {
    const names: string[] = [];
    for (const { name, svc, config } of nodes()) {
      const url = new URL(config.nodeUrl);
      const [hostIp, hostPort, containerPort] = String(svc.ports[0]).split(':');
      expect([url.hostname, hostIp, Number(hostPort), Number(containerPort)]).toEqual([name, '127.0.0.1', Number(url.port), config.port]);
      names.push(name);
    }
    expect(read('docker-compose.yml')).toContain(`#   127.0.0.1 ${names.join(' ')}\n`);
  });

  it('pins the Redis image of every store service by version and digest, one image for all', () => {
    const store = composeStore();
    const images = [store.primary, ...store.replicas, ...store.sentinels].map((x) => String(x.svc.image));
    for (const image of images) expect(image).toMatch(/^redis:7\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    expect(new Set(images).size).toBe(1);
  });
});
