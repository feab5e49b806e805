import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';
import { type Copy } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { read, cliMain, defaults, envNames, sorted, dockerStages, argsOf, finalUser, dockerfile, stages, runtime, imageDataDir, healthcheckScript, type Obj, type Stage } from './deploy-helpers.js';

/**
 * Deployment artefacts (Dockerfile, docker-compose.yml, k8s/, cluster/; one test file each) are checked
 * against their published schemas, and every configuration they pass to a node is run through
 * the node's own config loader. Here: the Dockerfile and its health check commands.
 */

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
