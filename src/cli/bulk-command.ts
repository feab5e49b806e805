import { readFileSync } from 'node:fs';
import { ManagementCallError } from '../client/management.js';
import type { InstanceKey } from '../core/wire/management.js';
import { reason, type Api } from './api.js';
import { CommandError, UsageError, printJson, required, type CommonFlags, type Io, type Values } from './common.js';

export type BulkAction = 'register' | 'unregister' | 'pull-out' | 'pull-in';

export const BULK_OPTIONS = {
  file: { type: 'string' as const },
  operator: { type: 'string' as const },
  operation: { type: 'string' as const },
  'batch-size': { type: 'string' as const },
};

export const BULK_HELP = `Options:
  --file <path>        JSON array of instances (serviceId, instanceId, url, ...), required
  --batch-size <n>     instances per registry request                      [100]
  --operator <name>    operator of pull-out/pull-in                        [$USER]
  --operation <label>  operation label of pull-out/pull-in                 [pullout]
`;

interface Outcome {
  ok: number;
  failed: Array<{ instanceId: string; reason: string }>;
}

function readInstances(file: string): Array<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CommandError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || parsed.some((i) => typeof i !== 'object' || i === null)) throw new CommandError(`${file} must hold a JSON array of instances`);
  return parsed as Array<Record<string, unknown>>;
}

/** A progress bar on a terminal (stderr), nothing otherwise. */
function progress(io: Io, isTty: boolean, done: number, total: number): void {
  if (!isTty) return;
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) io.err('\n');
}

async function registryBatch(api: Api, action: 'register' | 'unregister', batch: Array<Record<string, unknown>>, out: Outcome): Promise<void> {
  const answer = await api.call(`/api/registry/${action}.json`, { instances: batch });
  const failed = (answer.body?.failedInstances ?? []) as Array<{ instance?: { instanceId?: string }; errorMessage?: string }>;
  if (answer.responseStatus?.status === 'fail') {
    for (const i of batch) out.failed.push({ instanceId: String(i.instanceId), reason: answer.responseStatus.errorCode });
    return;
  }
  for (const f of failed) out.failed.push({ instanceId: f.instance?.instanceId ?? '?', reason: f.errorMessage ?? 'failed' });
  out.ok += batch.length - failed.length;
}

/** `artemis bulk register|unregister|pull-out|pull-in --file F`: one action for every instance of a file. */
export async function bulk(action: BulkAction, api: Api, flags: CommonFlags, io: Io, values: Values, env: NodeJS.ProcessEnv, isTty: boolean): Promise<number> {
  const instances = readInstances(required(values, 'file'));
  const size = values['batch-size'] === undefined ? 100 : Number(values['batch-size']);
  if (!Number.isInteger(size) || size <= 0) throw new UsageError('--batch-size must be a positive integer');
  const { regionId, zoneId } = await api.callerZone();
  const filled = instances.map((i) => ({ regionId, zoneId, ...i }));
  const out: Outcome = { ok: 0, failed: [] };
  const operatorId = (values.operator as string | undefined) ?? env.USER ?? 'artemis-cli';
  for (let at = 0; at < filled.length; at += action === 'register' || action === 'unregister' ? size : 1) {
    if (action === 'register' || action === 'unregister') await registryBatch(api, action, filled.slice(at, at + size), out);
    else await operate(api, action === 'pull-in', filled[at]!, operatorId, (values.operation as string | undefined) ?? 'pullout', out);
    progress(io, isTty, Math.min(filled.length, out.ok + out.failed.length), filled.length);
  }
  if (flags.json) printJson(io, { action, total: filled.length, ok: out.ok, failed: out.failed });
  else {
    io.out(`${action}: ${out.ok} of ${filled.length} succeeded, ${out.failed.length} failed\n`);
    for (const f of out.failed) io.out(`  ${f.instanceId}: ${f.reason}\n`);
  }
  return out.failed.length === 0 ? 0 : 1;
}

async function operate(api: Api, pullIn: boolean, i: Record<string, unknown>, operatorId: string, operation: string, out: Outcome): Promise<void> {
  // the file's values go as they are: the node answers a value that is not a string with bad-request
  const instanceKey = { regionId: i.regionId, serviceId: i.serviceId, instanceId: i.instanceId } as InstanceKey;
  try {
    await api.management.operateInstance({ instanceKey, operation, operationComplete: pullIn, operatorId, token: '' });
    out.ok++;
  } catch (err) {
    if (!(err instanceof ManagementCallError)) throw new CommandError(reason(err));
    out.failed.push({ instanceId: String(i.instanceId), reason: `${err.responseStatus?.errorCode ?? ''}: ${err.responseStatus?.message ?? ''}` });
  }
}
