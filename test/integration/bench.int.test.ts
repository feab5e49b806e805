import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchCommand } from '../../src/cli/bench/command.js';
import type { BenchResult } from '../../src/cli/bench/report.js';
import { startTestNode, type RunningNode } from '../helpers/node.js';

const run = promisify(execFile);
let node: RunningNode;
let dir: string;

beforeAll(async () => {
  // the bench registers its fleet from one address as fast as it can (see README, artemis bench)
  node = await startTestNode({ 'limits.maxInstancesPerClient': 0, 'limits.maxRegistrationsPerClientPerSecond': 0 });
  dir = mkdtempSync(join(tmpdir(), 'artemis-bench-'));
});

afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function bench(args: string[]): Promise<{ code: number; result: BenchResult; err: string }> {
  let out = '';
  let err = '';
  const code = await benchCommand([...args, '--target', node.url, '--duration', '1', '--json'], { out: (t) => (out += t), err: (t) => (err += t) }, {});
  if (!out.startsWith('{')) throw new Error(`bench ${args.join(' ')} exited ${code}: ${err}`);
  return { code, result: JSON.parse(out) as BenchResult, err };
}

function expectSane(result: BenchResult, operations: string[]): void {
  expect(Object.keys(result.operations).sort()).toEqual([...operations].sort());
  for (const name of operations) {
    const op = result.operations[name]!;
    expect(op.count, name).toBeGreaterThan(0);
    expect(op.errors, `${name}: ${JSON.stringify(op.errorKinds)}`).toBe(0);
    expect(op.throughput).toBeGreaterThan(0);
    const l = op.latencyMs;
    expect(l.p50).toBeGreaterThan(0);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.p999);
    expect(l.p999).toBeLessThanOrEqual(l.max);
  }
  expect(result.elapsedS).toBeGreaterThan(0.5);
  expect(result.generator.cpuPercent).toBeGreaterThan(0);
  expect(result.server.before?.rssBytes).toBeGreaterThan(0);
  expect(result.server.after?.heapUsedBytes).toBeGreaterThan(0);
}

describe('artemis bench', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['register', ['--instances', '500', '--connections', '4'], ['register']],
    ['heartbeat-http', ['--instances', '200', '--connections', '4'], ['heartbeat']],
    ['heartbeat-ws', ['--instances', '1000', '--connections', '2'], ['heartbeat-frame']],
    ['discovery', ['--connections', '4', '--payload', '64'], ['service.json', 'lookup.json']],
    ['push', ['--subscribers', '20', '--rate', '10'], ['register', 'push']],
    ['mixed', ['--instances', '300', '--subscribers', '10', '--rate', '100', '--connections', '4'], ['heartbeat-frame', 'service.json', 'lookup.json', 'register', 'push']],
    ['mixed', ['--instances', '300', '--subscribers', '5', '--rate', '50', '--connections', '2', '--churn', '20'], ['heartbeat-frame', 'service.json', 'lookup.json', 'register', 'unregister', 'push']],
    ['scale', ['--instances', '3000', '--connections', '2'], ['register', 'heartbeat-frame']],
  ];

  it.each(cases)('%s reports sane numbers and no errors', async (scenario, args, operations) => {
    const { code, result, err } = await bench([scenario, ...args]);
    expect(code, err).toBe(0);
    expect(result.scenario).toBe(scenario);
    expectSane(result, operations);
    expect(err).toMatch(/\[1\/1 s\]/);
  });

  it('mixed with --churn registers that many instances a second and leaves none of them behind', async () => {
    const { result } = await bench(['mixed', '--instances', '200', '--subscribers', '2', '--rate', '20', '--churn', '40']);
    expect(Number(result.info.churnRegistrations)).toBeGreaterThanOrEqual(20);
    const leases = (await (await fetch(`${node.url}/api/status/leases.json`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(leases)).not.toContain('bench.');
  });

  it('push delivers every change to every subscriber', async () => {
    const { result } = await bench(['push', '--subscribers', '10', '--rate', '5']);
    expect(result.operations.push!.count).toBe(10 * Number(result.info.changes));
  });

  it('scale reports memory per instance and cleans up its fleet', async () => {
    const { result } = await bench(['scale', '--instances', '2000']);
    expect(typeof result.info.serverBytesPerInstance).toBe('number');
    const leases = (await (await fetch(`${node.url}/api/status/leases.json`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(leases)).not.toContain('bench.');
  });

  it('runs from the command line and writes an HTML report with an SVG chart', async () => {
    const report = join(dir, 'r.html');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', 'discovery', '--target', node.url, '--duration', '1', '--json', '--report', report], { timeout: 20_000 });
    const result = JSON.parse(stdout) as BenchResult;
    expectSane(result, ['service.json', 'lookup.json']);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/cdn/i);
  }, 25_000);

  it('rejects an unknown scenario with exit code 2', async () => {
    let err = '';
    expect(await benchCommand(['nope'], { out: () => undefined, err: (t) => (err += t) }, {})).toBe(2);
    expect(err).toContain('unknown scenario');
  });
});
