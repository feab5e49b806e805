import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { envNameOf } from '../../src/config/leaves.js';
import { type Config } from '../../src/config/schema.js';
import { root, read, envNames, serverConfig, lazy, sorted, finalUser, stages, type Obj } from './deploy-helpers.js';

/** k8s/ (a Kustomize base and overlays) against the Kubernetes models, and the configuration of each pod; every artefact's ARTEMIS_* names. */


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
