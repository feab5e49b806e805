/**
 * Deployment artefacts: Dockerfile, docker-compose.yml, k8s/ (a Kustomize base and overlays) and cluster/. Each is checked
 * against its published schema (Kubernetes models and types, the Compose specification, the
 * Dockerfile linter), and every configuration it passes to a node (flags, ARTEMIS_* variables,
 * config files) is run through the node's own config loader.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import { DCLinter } from 'dclint';
import { DockerfileParser, type Copy, type Instruction } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { FLAG_KEYS } from '../../src/cli/server-command.js';
import { configLeaves, envNameOf } from '../../src/config/leaves.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { parseRedisUrl } from '../../src/store/redis/redis-url.js';

const root = join(import.meta.dirname, '../..');
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
const require = createRequire(import.meta.url);

type Obj = Record<string, any>;

const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
const cliMain = pkg.bin.artemis as string;
const defaults = configSchema.parse({});
const envNames = new Set(configLeaves.map((l) => envNameOf(l.path)));

// ---------------------------------------------------------------------------------------------
// A node's configuration as `artemis server` would build it from a command line, a config file
// and the environment. Unknown flags, keys or ARTEMIS_* variables fail.

function serverConfig(args: string[], opts: { env?: Record<string, string>; file?: Obj } = {}): Config {
  expect(args[0], 'the command runs `artemis server`').toBe('server');
  const options = Object.fromEntries(Object.keys(FLAG_KEYS).map((k) => [k, { type: 'string' as const }]));
  const { values } = parseArgs({
    args: args.slice(1),
    options: { ...options, config: { type: 'string' }, set: { type: 'string', multiple: true } },
    strict: true,
    allowPositionals: false,
  });
  const v = values as Record<string, string | string[] | undefined>;
  const flags: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(FLAG_KEYS)) if (typeof v[flag] === 'string') flags[key] = v[flag];
  for (const item of (v.set as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    expect(eq, `--set ${item}: key=value`).toBeGreaterThan(0);
    flags[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  if (typeof v.config === 'string') expect(opts.file, `--config ${v.config} is provided`).toBeDefined();
  const loaded = loadConfig({ file: opts.file && { path: 'artemis.yaml', values: opts.file }, env: opts.env ?? {}, flags });
  expect(loaded.warnings).toEqual([]);
  return loaded.config;
}

/** A value computed on first use, so that a failure belongs to the tests that use it. */
function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

function sorted(items: Iterable<string>): string[] {
  return [...items].sort();
}

function expectSeedsAreAllNodes(configs: Config[]): void {
  const urls = sorted(configs.map((c) => c.nodeUrl));
  expect(new Set(urls).size).toBe(configs.length);
  for (const c of configs) expect(sorted(c.cluster.seeds)).toEqual(urls);
}

/** Seconds of a Compose duration such as "15s", "1m30s" or "500ms". */
function durationSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)) total += Number(m[1]) * (units[m[2] as string] as number);
  expect(text.replace(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g, ''), `duration ${text}`).toBe('');
  return total;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

function dockerStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of DockerfileParser.parse(text).getInstructions()) {
    if (ins.getKeyword() === 'FROM') {
      const args = ins.getArguments().map((a) => a.getValue());
      stages.push({ image: args[0] ?? '', name: args[1]?.toUpperCase() === 'AS' ? (args[2] ?? null) : null, instructions: [] });
    } else stages.at(-1)?.instructions.push(ins);
  }
  return stages;
}

const argsOf = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

/** The user the final stage runs as: its last USER, else root. */
function finalUser(stages: Stage[]): string {
  return argsOf(stages.at(-1) as Stage, 'USER').at(-1)?.trim() ?? 'root';
}

const dockerfile = read('Dockerfile');
const stages = dockerStages(dockerfile);
const runtime = stages.at(-1) as Stage;
const workdir = argsOf(runtime, 'WORKDIR').at(-1) ?? '/';
const imageDataDir = posix.resolve(workdir, defaults.dataDir);
const healthcheckScript = lazy(() => {
  const content = argsOf(runtime, 'HEALTHCHECK').at(-1) ?? '';
  const json = JSON.parse(content.slice(content.indexOf('CMD') + 3).trim()) as string[];
  expect(json.slice(0, 2)).toEqual(['node', '-e']);
  return json[2] as string;
});

describe('Dockerfile', () => {
  it('passes the Dockerfile linter', () => {
    expect(lintDockerfile(dockerfile).map((d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`)).toEqual([]);
    expect(lintDockerfile('FROM node:20\nHEALTHCHECK --intervall=5s CMD true\n').length).toBeGreaterThan(0);
  });

  it('builds in a node:20-bookworm-slim stage, pinned by digest, with the native toolchain, then prunes dev dependencies', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.image).toMatch(/^node:20-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(new Set(stages.map((s) => s.image)).size).toBe(1);
    const build = stages[0] as Stage;
    const run = argsOf(build, 'RUN').join('\n');
    for (const word of ['python3', 'make', 'g++', 'npm ci', 'npm run build', 'npm prune --omit=dev']) expect(run).toContain(word);
  });

  it('ships only dist, node_modules and package.json from the build stage', () => {
    const copies = runtime.instructions.filter((i): i is Copy => i.getKeyword() === 'COPY');
    expect(copies.map((c) => c.getFromFlag()?.getValue())).toEqual(copies.map(() => stages[0]?.name));
    expect(sorted(copies.map((c) => posix.basename(c.getArguments()[0]?.getValue() ?? '')))).toEqual(['dist', 'node_modules', 'package.json']);
  });

  it('runs the server as a non-root user, on the default port, with the data directory as a volume', () => {
    expect(finalUser(stages)).not.toMatch(/^(root|0)(:|$)/);
    expect(finalUser(dockerStages('FROM node:20-bookworm-slim\nRUN true\n'))).toBe('root');
    expect(argsOf(runtime, 'EXPOSE')).toEqual([String(defaults.port)]);
    expect(argsOf(runtime, 'VOLUME').map((v) => JSON.parse(v) as string[]).flat()).toEqual([imageDataDir]);
    const entrypoint = JSON.parse(argsOf(runtime, 'ENTRYPOINT').at(-1) ?? '[]') as string[];
    const cmd = JSON.parse(argsOf(runtime, 'CMD').at(-1) ?? '[]') as string[];
    expect(entrypoint).toEqual(['node', cliMain]);
    expect(cmd).toEqual(['server']);
    expect(argsOf(runtime, 'HEALTHCHECK')).toHaveLength(1);
    expect(healthcheckScript()).toContain('/health');
  });

  it('sets only real ARTEMIS_* variables', () => {
    const envs = stages.flatMap((s) => argsOf(s, 'ENV')).join(' ');
    for (const name of envs.match(/\bARTEMIS_\w+/g) ?? []) expect(envNames).toContain(name);
  });

  it('keeps the build inputs out of .dockerignore and the local state in it', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const inputs = (stages[0] as Stage).instructions
      .filter((i) => i.getKeyword() === 'COPY')
      .flatMap((i) => i.getArguments().map((a) => a.getValue()).slice(0, -1));
    expect(inputs).toContain('package-lock.json');
    for (const input of inputs) expect(ignored).not.toContain(input);
    for (const local of ['node_modules', 'dist', 'data', 'cluster', '.git']) expect(ignored).toContain(local);
  });
});

// ---------------------------------------------------------------------------------------------
// Health check commands: run them for real against a stand-in server.

describe('health check commands', () => {
  let server: Server;
  let port = 0;
  const answers: Record<string, number> = { '/health': 200, '/ready': 200 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(answers[req.url ?? ''] ?? 404, { 'Content-Type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function exitCode(script: string, onPort: number): Promise<number> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['-e', script], { env: { ...process.env, ARTEMIS_PORT: String(onPort) }, timeout: 15_000 }, (err) =>
        resolve(err === null ? 0 : typeof err.code === 'number' ? err.code : -1),
      );
    });
  }

  const composeCheck = () => {
    const test = (parseYaml(read('docker-compose.yml'), { merge: true }) as Obj).services['artemis-1'].healthcheck.test as string[];
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    return test[3] as string;
  };

  it.each([
    ['Dockerfile HEALTHCHECK', '/health', healthcheckScript],
    ['docker-compose healthcheck', '/ready', composeCheck],
  ])('%s asks %s and exits 0 only on 200', async (_name, path, script) => {
    answers[path] = 200;
    expect(await exitCode(script(), port)).toBe(0);
    answers[path] = 503;
    expect(await exitCode(script(), port)).toBe(1);
    answers[path] = 200;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await exitCode(script(), closedPort)).toBe(1);
  }, 40_000);
});

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

// ---------------------------------------------------------------------------------------------
// k8s/

/** The Kustomize base; overlays live in k8s/overlays/. */
const K8S_BASE = 'k8s/base';

const K8S_MODELS: Record<string, { model: new (data: any) => { validate(): void }; module: string; type: string }> = {
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget' },
};
const modelKey = (doc: Obj) => `${doc.apiVersion}/${doc.kind}`;

/**
 * Fields that the Kubernetes types do not know (kubectl's strict field validation refuses them;
 * the OpenAPI schemas alone let them through): each manifest is type-checked as a literal of
 * its kubernetes-models type. Returns the compiler's complaints per manifest label.
 */
function unknownFieldErrors(docs: Array<{ label: string; doc: Obj }>): Record<string, string[]> {
  const file = join(root, K8S_BASE, '__manifests__.ts');
  const used = [...new Set(docs.map(({ doc }) => modelKey(doc)))];
  let text = used.map((k) => `import type { ${K8S_MODELS[k]?.type} } from '${K8S_MODELS[k]?.module}';\n`).join('');
  const spans: Array<{ label: string; start: number; end: number }> = [];
  docs.forEach(({ label, doc }, i) => {
    const start = text.length;
    text += `export const m${i}: ${K8S_MODELS[modelKey(doc)]?.type} = ${JSON.stringify(doc, null, 2)};\n`;
    spans.push({ label, start, end: text.length });
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const base = ts.createCompilerHost(options);
  const host: ts.CompilerHost = {
    ...base,
    getSourceFile: (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang) : base.getSourceFile(name, lang, ...rest)),
    fileExists: (name) => name === file || base.fileExists(name),
    readFile: (name) => (name === file ? text : base.readFile(name)),
  };
  const program = ts.createProgram([file], options, host);
  const source = program.getSourceFile(file) as ts.SourceFile;
  const out: Record<string, string[]> = Object.fromEntries(docs.map(({ label }) => [label, []]));
  for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
    const span = spans.find((s) => (d.start ?? -1) >= s.start && (d.start ?? -1) < s.end);
    (out[span?.label ?? 'imports'] ??= []).push(ts.flattenDiagnosticMessageText(d.messageText, ' '));
  }
  return out;
}

function validateModel(doc: Obj): string {
  const entry = K8S_MODELS[modelKey(doc)];
  if (entry === undefined) return `no model for ${modelKey(doc)}`;
  try {
    new entry.model(doc).validate();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

/** A value for every key of every Secret a pod reads, by `<secret>/<key>`. */
type SecretValues = Record<string, string>;

/** The cluster key of the example Secret as the tests fill it in. */
const TEST_KEY = 'k8s-test-cluster-key-0123456789abcdef';

/** Values of the pod's env list as a container sees them: $(VAR) expanded, downward API and Secrets filled in. */
function podEnv(env: Obj[], pod: { name: string; namespace: string; secrets: SecretValues }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    let value: string;
    if (typeof e.value === 'string') {
      value = e.value.replace(/\$\((\w+)\)/g, (m: string, name: string) => out[name] ?? m);
      expect(value, `${e.name}: every $(VAR) is defined above it`).not.toMatch(/\$\(/);
    } else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') value = pod.name;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') value = pod.namespace;
    else if (e.valueFrom?.secretKeyRef !== undefined) {
      const ref = e.valueFrom.secretKeyRef as Obj;
      const given = pod.secrets[`${ref.name}/${ref.key}`];
      if (given === undefined) throw new Error(`env ${e.name}: no value for Secret ${ref.name} key ${ref.key}`);
      value = given;
    }
    else throw new Error(`env ${e.name}: unsupported source`);
    out[e.name as string] = value;
  }
  return out;
}

describe('k8s/base', () => {
  const kustomization = parseYaml(read(`${K8S_BASE}/kustomization.yaml`)) as Obj;
  const resources = kustomization.resources as string[];
  const docsOf = (rel: string) => parseAllDocuments(read(rel)).map((d) => d.toJS() as Obj).filter((d) => d !== null);
  const manifests = resources.flatMap((r) => docsOf(`${K8S_BASE}/${r}`).map((doc) => ({ label: `${r} ${doc.kind}/${doc.metadata?.name}`, doc })));
  const examples = readdirSync(join(root, K8S_BASE))
    .filter((f) => f.endsWith('.example.yaml'))
    .flatMap((f) => docsOf(`${K8S_BASE}/${f}`).map((doc) => ({ label: `${f} ${doc.kind}/${doc.metadata?.name}`, doc })));
  const all = [...manifests, ...examples];
  const find = (kind: string, pred: (d: Obj) => boolean = () => true) => {
    const found = manifests.map((m) => m.doc).filter((d) => d.kind === kind && pred(d));
    expect(found, kind).toHaveLength(1);
    return found[0] as Obj;
  };

  const sts = find('StatefulSet');
  const podSpec = sts.spec.template.spec as Obj;
  const container = podSpec.containers[0] as Obj;
  const headless = find('Service', (d) => d.spec.clusterIP === 'None');
  const client = find('Service', (d) => d.spec.clusterIP !== 'None');
  const secret = examples.map((e) => e.doc).find((d) => d.kind === 'Secret') as Obj;

  /** The --config file: followed through the container's mounts to the ConfigMap key. */
  const configFile = lazy(() => {
    const path = container.args[container.args.indexOf('--config') + 1] as string;
    const mount = (container.volumeMounts as Obj[]).find((m) => path.startsWith(`${m.mountPath}/`)) as Obj;
    const volume = (podSpec.volumes as Obj[]).find((v) => v.name === mount.name) as Obj;
    const configMap = find('ConfigMap', (d) => d.metadata.name === volume.configMap.name);
    const text = configMap.data[path.slice(mount.mountPath.length + 1)] as string;
    return parseYaml(text) as Obj;
  });
  const podConfig = (name: string, namespace: string, key = TEST_KEY) =>
    serverConfig(container.args as string[], { file: configFile(), env: podEnv(container.env as Obj[], { name, namespace, secrets: { 'artemis-cluster/key': key, 'artemis-store/url': 'redis://from-secret:6379/0' } }) });
  const config = lazy(() => podConfig('artemis-0', 'team-a'));

  it('lists every manifest in kustomization.yaml (the Secret is an example, applied by hand)', () => {
    const files = readdirSync(join(root, K8S_BASE)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && !f.endsWith('.example.yaml'));
    expect(sorted(resources)).toEqual(sorted(files));
    expect(all.every(({ doc }) => doc.metadata?.namespace === undefined) && kustomization.namespace === undefined).toBe(true);
    expect((kustomization.images as Obj[]).map((i) => String(i.name))).toContain(String(container.image).split(':')[0]);
  });

  it('is valid against the Kubernetes schemas', () => {
    expect(all.map(({ label, doc }) => [label, validateModel(doc)])).toEqual(all.map(({ label }) => [label, '']));
    const broken = structuredClone(sts);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(validateModel(broken)).toContain('containerPort');
  });

  it('uses no field that the Kubernetes types do not know', () => {
    const typo = structuredClone(sts);
    const c = typo.spec.template.spec.containers[0];
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
    const errors = unknownFieldErrors([...all, { label: 'typo', doc: typo }]);
    expect(errors.typo?.join(' ')).toMatch(/readinesProbe.* does not exist/);
    delete errors.typo;
    expect(errors).toEqual(Object.fromEntries(all.map(({ label }) => [label, []])));
  }, 60_000);

  it('gives the pods a command line, config file and environment that `artemis server` accepts', () => {
    expect(config).not.toThrow();
  });

  it('runs three pods with stable names, started in parallel, behind a headless Service that publishes unready pods', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.serviceName).toBe(headless.metadata.name);
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    const labels = sts.spec.template.metadata.labels as Obj;
    for (const selector of [sts.spec.selector.matchLabels, headless.spec.selector, client.spec.selector, find('PodDisruptionBudget').spec.selector.matchLabels])
      expect(labels).toMatchObject(selector as Obj);
    expect(find('PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  it('gives each pod its name as node id, a URL under the headless Service, and the Service as DNS seed', () => {
    const ns = 'team-a';
    const domain = `${headless.metadata.name}.${ns}.svc.cluster.local`;
    expect(config().nodeId).toBe('artemis-0');
    expect(config().nodeUrl).toBe(`http://artemis-0.${domain}:${config().port}`);
    expect(config().cluster.seeds).toEqual([`dns://${domain}:${config().port}`]);
    expect(podConfig('artemis-2', ns).nodeUrl).toBe(`http://artemis-2.${domain}:${config().port}`);
    const port = (container.ports as Obj[]).find((p) => p.containerPort === config().port) as Obj;
    for (const svc of [headless, client]) expect((svc.spec.ports as Obj[]).map((p) => String(p.targetPort))).toContain(port.name);
  });

  it('takes the cluster key from the Secret of the example, and only real ARTEMIS_* variables', () => {
    expect(config().cluster.key).toBe(TEST_KEY);
    const ref = (container.env as Obj[]).find((e) => e.name === envNameOf(['cluster', 'key']))?.valueFrom.secretKeyRef as Obj;
    expect(ref.name).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData as Obj)).toContain(ref.key);
    // The example publishes no key: applied unchanged, the nodes refuse to start.
    expect((secret.stringData as Obj)[ref.key]).toBe('');
    expect(() => podConfig('artemis-0', 'team-a', '')).toThrow(/needs a cluster key/);
    for (const e of container.env as Obj[]) if (String(e.name).startsWith('ARTEMIS_')) expect(envNames).toContain(e.name);
    // A Service named "artemis" would inject ARTEMIS_PORT=tcp://... through service links.
    expect(podSpec.enableServiceLinks).toBe(false);
  });

  it('probes /ready for readiness and /health for liveness, on the node port', () => {
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    if (container.startupProbe !== undefined) expect(container.startupProbe.httpGet.path).toBe('/health');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe].filter(Boolean)) {
      const p = probe.httpGet.port as number | string;
      expect(typeof p === 'number' ? p : (container.ports as Obj[]).find((x) => x.name === p)?.containerPort).toBe(config().port);
    }
  });

  it('waits in preStop, then allows more than the shutdown timeout before killing', () => {
    const command = container.lifecycle.preStop.exec.command as string[];
    expect(command[0]).toBe('sleep');
    const sleep = Number(command[1]);
    expect(sleep).toBeGreaterThan(0);
    // server-command exits by itself one second after http.shutdownTimeoutMs
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(sleep + config().http.shutdownTimeoutMs / 1000 + 1);
  });

  it('runs as the non-root user of the image, with resources and a volume per pod for the data directory', () => {
    expect(podSpec.securityContext.runAsNonRoot).toBe(true);
    expect(podSpec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(String(podSpec.securityContext.runAsUser)).toBe(finalUser(stages).split(':')[0]);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    for (const kind of ['requests', 'limits']) expect(Object.keys(container.resources[kind] as Obj)).toEqual(expect.arrayContaining(['cpu', 'memory']));
    const claim = (sts.spec.volumeClaimTemplates as Obj[])[0] as Obj;
    expect(claim.spec.resources.requests.storage).toBeDefined();
    const mount = (container.volumeMounts as Obj[]).find((m) => m.name === claim.metadata.name) as Obj;
    expect(mount.mountPath).toBe(config().dataDir);
  });
});

// ---------------------------------------------------------------------------------------------
// k8s/overlays: rendered by `kubectl kustomize`, then checked like the base.

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 20_000 }).status === 0;
const mustRender = hasKubectl || process.env.CI === 'true';

/** The manifests `kubectl kustomize <dir>` renders. @throws when kubectl is missing or fails */
function kustomize(dir: string): Obj[] {
  if (!hasKubectl) throw new Error(`kubectl is not installed: under CI=true the Kustomize overlays must be rendered (kubectl kustomize ${dir})`);
  const res = spawnSync('kubectl', ['kustomize', join(root, dir)], { encoding: 'utf8', timeout: 60_000 });
  expect(res.stderr, `kubectl kustomize ${dir}`).toBe('');
  expect(res.status).toBe(0);
  return parseAllDocuments(res.stdout).map((d) => d.toJS() as Obj);
}

/** The node configuration of pod `name` of a rendered StatefulSet, its ConfigMap file and env. */
function renderedPodConfig(docs: Obj[], name: string, secrets: SecretValues = {}): Config {
  const sts = docs.find((d) => d.kind === 'StatefulSet') as Obj;
  const spec = sts.spec.template.spec as Obj;
  const c = spec.containers[0] as Obj;
  const path = c.args[c.args.indexOf('--config') + 1] as string;
  const mount = (c.volumeMounts as Obj[]).find((m) => path.startsWith(`${m.mountPath}/`)) as Obj;
  const volume = (spec.volumes as Obj[]).find((v) => v.name === mount.name) as Obj;
  const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === volume.configMap.name) as Obj;
  const file = parseYaml(configMap.data[path.slice(mount.mountPath.length + 1)] as string) as Obj;
  return serverConfig(c.args as string[], { file, env: podEnv(c.env as Obj[], { name, namespace: 'team-a', secrets: { 'artemis-cluster/key': TEST_KEY, 'artemis-store/url': '', ...secrets } }) });
}

const OVERLAYS = ['k8s/overlays/single-node', 'k8s/overlays/production'];

describe.runIf(mustRender)('k8s/ rendered with kubectl kustomize', () => {
  const rendered = lazy(() => Object.fromEntries([K8S_BASE, ...OVERLAYS].map((dir) => [dir, kustomize(dir)])) as Record<string, Obj[]>);
  const kinds = (docs: Obj[]) => sorted(docs.map((d) => `${d.kind}/${d.metadata.name}`));
  const stsOf = (docs: Obj[]) => docs.find((d) => d.kind === 'StatefulSet') as Obj;

  it('renders the base and every overlay in k8s/overlays', () => {
    const present = readdirSync(join(root, 'k8s/overlays')).map((d) => `k8s/overlays/${d}`);
    expect(sorted(present)).toEqual(sorted(OVERLAYS));
    expect(kinds(rendered()[K8S_BASE]!)).toEqual(['ConfigMap/artemis-config', 'PodDisruptionBudget/artemis', 'Service/artemis', 'Service/artemis-headless', 'StatefulSet/artemis']);
  });

  it('renders manifests valid against the Kubernetes schemas and types', () => {
    const all = Object.entries(rendered()).flatMap(([dir, docs]) => docs.map((doc) => ({ label: `${dir} ${doc.kind}/${doc.metadata.name}`, doc })));
    expect(all.map(({ label, doc }) => [label, validateModel(doc)])).toEqual(all.map(({ label }) => [label, '']));
    expect(unknownFieldErrors(all)).toEqual(Object.fromEntries(all.map(({ label }) => [label, []])));
  }, 90_000);

  it('tags the image with the package version (artemis-registry:<version>)', () => {
    const version = (JSON.parse(read('package.json')) as { version: string }).version;
    for (const docs of Object.values(rendered())) expect(stsOf(docs).spec.template.spec.containers[0].image).toBe(`artemis-registry:${version}`);
    expect(read('README.md')).toContain('artemis-registry:<version>');
  });

  it('single-node: one pod, smaller requests, no disruption budget; its config is one `artemis server` accepts', () => {
    const docs = rendered()['k8s/overlays/single-node']!;
    expect(stsOf(docs).spec.replicas).toBe(1);
    expect(stsOf(docs).spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
    expect(docs.some((d) => d.kind === 'PodDisruptionBudget')).toBe(false);
    const config = renderedPodConfig(docs, 'artemis-0');
    expect(config.nodeUrl).toBe(`http://artemis-0.artemis-headless.team-a.svc.cluster.local:${config.port}`);
    expect(config.cluster.seeds).toEqual([`dns://artemis-headless.team-a.svc.cluster.local:${config.port}`]);
    // one pod has no peer to share a store with: SQLite in its volume
    expect(config.store.url).toBe('');
  });

  it('base: every pod takes the one management store of the Secret artemis-store', () => {
    const c = stsOf(rendered()[K8S_BASE]!).spec.template.spec.containers[0] as Obj;
    const store = (c.env as Obj[]).filter((e) => e.name === envNameOf(['store', 'url']));
    expect(store.map((e) => e.valueFrom?.secretKeyRef as unknown)).toEqual([{ name: 'artemis-store', key: 'url' }]);
    const sentinel = 'redis+sentinel://s1:26379,s2:26379/mymaster/0';
    expect(renderedPodConfig(rendered()[K8S_BASE]!, 'artemis-2', { 'artemis-store/url': sentinel }).store).toMatchObject({ url: sentinel, nodeLocal: false });
  });

  it('production: three pods spread over zones, the management store from the Secret artemis-store, a larger volume', () => {
    const docs = rendered()['k8s/overlays/production']!;
    const sts = stsOf(docs);
    const c = sts.spec.template.spec.containers[0] as Obj;
    expect(sts.spec.replicas).toBe(3);
    expect((sts.spec.template.spec.topologySpreadConstraints as Obj[]).map((t) => String(t.topologyKey))).toEqual(['topology.kubernetes.io/zone']);
    const store = (c.env as Obj[]).find((e) => e.name === envNameOf(['store', 'url'])) as Obj;
    expect(store.valueFrom.secretKeyRef).toEqual({ name: 'artemis-store', key: 'url' });
    expect(renderedPodConfig(docs, 'artemis-1', { 'artemis-store/url': 'redis://redis.team-a:6379/0' }).store.url).toBe('redis://redis.team-a:6379/0');
    expect((c.env as Obj[]).filter((e) => e.name === envNameOf(['store', 'url']))).toHaveLength(1);
    expect((c.env as Obj[]).filter((e) => e.name === 'NODE_OPTIONS')).toHaveLength(1);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(docs.find((d) => d.kind === 'PodDisruptionBudget')?.spec.maxUnavailable).toBe(1);
  });
});

if (!mustRender) {
  describe('k8s/ rendered with kubectl kustomize', () => {
    it.skip('needs kubectl, which is not installed (under CI=true its absence fails)', () => undefined);
  });
}

// ---------------------------------------------------------------------------------------------
// cluster/

function dryRun(args: string[], extraEnv: Record<string, string> = {}): string[][] {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLUSTER_') && !k.startsWith('ARTEMIS_'))), ...extraEnv };
  const res = spawnSync('bash', [join(root, 'cluster/start.sh'), '--dry-run', ...args], { encoding: 'utf8', env, timeout: 20_000 });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const words = line.split(' ');
      expect(words.slice(0, 2)).toEqual(['node', cliMain]);
      return words.slice(2);
    });
}

describe('cluster/', () => {
  const files = [1, 2, 3].map((i) => `cluster/node-${i}.yaml`);
  const fileConfigs = lazy(() => files.map((f) => serverConfig(['server', '--config', f], { file: parseYaml(read(f)) as Obj })));

  it('has a config file per node: 127.0.0.1, ports 8081-8083, every node as seed, own data directories', () => {
    expect(fileConfigs().map((c) => c.port)).toEqual([8081, 8082, 8083]);
    for (const c of fileConfigs()) {
      expect(c.host).toBe('127.0.0.1');
      expect(c.nodeUrl).toBe(`http://127.0.0.1:${c.port}`);
      expect(c.dataDir.startsWith('cluster/data/')).toBe(true);
    }
    expectSeedsAreAllNodes(fileConfigs());
    expect(new Set(fileConfigs().map((c) => c.dataDir)).size).toBe(3);
    expect(new Set(fileConfigs().map((c) => c.nodeId)).size).toBe(3);
  });

  it('start.sh starts the same three nodes as the config files', () => {
    const configs = dryRun([]).map((args) => serverConfig(args));
    const pick = (c: Config) => ({ host: c.host, port: c.port, nodeId: c.nodeId, nodeUrl: c.nodeUrl, seeds: c.cluster.seeds, keyFile: c.cluster.keyFile, dataDir: c.dataDir, store: c.store.url, minReplicas: c.store.minReplicas });
    expect(configs.map(pick)).toEqual(fileConfigs().map(pick));
  });

  it('start.sh gives every node one highly available store by default (three sentinels, a write acknowledged by a replica), one Redis, the one ARTEMIS_STORE_URL names, or node-local stores on request', () => {
    const stores = (env: Record<string, string> = {}) => dryRun([], env).map((args) => serverConfig(args, { env })).map((c) => [c.store.url, c.store.nodeLocal, c.store.minReplicas]);
    expect(stores()).toEqual(Array(3).fill(['redis+sentinel://127.0.0.1:26380,127.0.0.1:26381,127.0.0.1:26382/artemis/0', false, 1]));
    expect(stores({ CLUSTER_SENTINEL_PORT: '27000' })).toEqual(Array(3).fill(['redis+sentinel://127.0.0.1:27000,127.0.0.1:27001,127.0.0.1:27002/artemis/0', false, 1]));
    expect(stores({ CLUSTER_STORE: 'redis' })).toEqual(Array(3).fill(['redis://127.0.0.1:6380/0', false, 0]));
    expect(stores({ CLUSTER_STORE: 'redis', CLUSTER_REDIS_PORT: '7000' })).toEqual(Array(3).fill(['redis://127.0.0.1:7000/0', false, 0]));
    const sentinel = 'redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/artemis';
    expect(stores({ ARTEMIS_STORE_URL: sentinel })).toEqual(Array(3).fill([sentinel, false, 0]));
    expect(stores({ CLUSTER_STORE: 'node-local' })).toEqual(Array(3).fill(['', true, 0]));
    expect(spawnSync('bash', [join(root, 'cluster/start.sh'), '--dry-run'], { encoding: 'utf8', env: { ...process.env, CLUSTER_STORE: 'raft' } }).status).toBe(2);
    // the sentinels monitor the name the URL gives, the servers keep every write on disk; stop.sh stops them
    const store = read('cluster/store.sh');
    expect(store).toContain('STORE_MASTER_NAME=artemis');
    expect(store).toContain('sentinel monitor $STORE_MASTER_NAME $host $primary 2');
    expect(store).toContain('--appendonly yes --appendfsync always');
    expect(read('cluster/stop.sh')).toContain('stop_store');
  });

  it('start.sh starts N nodes on consecutive ports and passes extra flags to each', () => {
    const configs = dryRun(['5', '--', '--log-level', 'warn', '--set', 'registry.lease.ttlMs=30000']).map((args) => serverConfig(args));
    expect(configs.map((c) => c.port)).toEqual([8081, 8082, 8083, 8084, 8085]);
    expectSeedsAreAllNodes(configs);
    for (const c of configs) expect([c.logLevel, c.registry.lease.ttlMs]).toEqual(['warn', 30_000]);
    expect(spawnSync('bash', [join(root, 'cluster/start.sh'), '--dry-run', 'three'], { encoding: 'utf8' }).status).toBe(2);
  });

  it.each(['cluster/start.sh', 'cluster/stop.sh'])('%s is strict, executable bash that parses', (rel) => {
    const text = read(rel);
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(statSync(join(root, rel)).mode & 0o111).toBe(0o111);
    const res = spawnSync('bash', ['-n', join(root, rel)], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('keeps node data and run files out of git, and documents how to watch the cluster', () => {
    const ignored = read('.gitignore').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['cluster/data/', 'cluster/run/']));
    const readme = read('cluster/README.md');
    for (const s of ['cluster/start.sh', 'cluster/stop.sh', '/api/status/cluster.json', '/api/cluster/nodes.json', 'cluster status', 'artemis_replication'])
      expect(readme).toContain(s);
  });
});

// ---------------------------------------------------------------------------------------------

describe('every artefact', () => {
  it('names only real ARTEMIS_* variables, also in comments and docs', () => {
    expect(envNameOf(['cluster', 'seeds'])).toBe('ARTEMIS_CLUSTER_SEEDS');
    const rels = ['Dockerfile', 'docker-compose.yml', 'cluster/README.md', 'cluster/start.sh', 'cluster/stop.sh', 'k8s/README.md'];
    for (const dir of ['k8s', 'cluster']) {
      for (const f of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) if (f.endsWith('.yaml')) rels.push(`${dir}/${f}`);
    }
    expect(rels).toEqual(expect.arrayContaining([`${K8S_BASE}/statefulset.yaml`, 'k8s/overlays/production/statefulset-patch.yaml']));
    const unknown = rels.flatMap((rel) => (read(rel).match(/\bARTEMIS_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []).filter((n) => !envNames.has(n)).map((n) => `${rel}: ${n}`));
    expect(unknown).toEqual([]);
  });
});
