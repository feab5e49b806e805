import { DiscoveryClient } from '../client/discovery-client.js';
import { ArtemisClientError } from '../client/errors.js';
import type { ServiceChangeEvent } from '../client/service-entry.js';
import type { Api } from './api.js';
import { CommandError, UsageError, type CommonFlags, type Io, type Values } from './common.js';
import { instanceTable } from './read-commands.js';

/** Flags of `artemis watch`. */
export const WATCH_OPTIONS = { count: { type: 'string' } } as const;

/** Help text of the watch flags. */
export const WATCH_HELP = `Watch options:
  --count <n>   exit after n changes (default: run until Ctrl-C)
`;

/** Lets the command end on a signal; returns a function that stops listening. */
export type StopHook = (stop: () => void) => () => void;

function changeLine(e: ServiceChangeEvent, json: boolean): string {
  const count = e.service.instances?.length ?? 0;
  if (json) return JSON.stringify({ event: e.changeType, serviceId: e.serviceId, instance: e.instance, instanceCount: count }) + '\n';
  const what = e.instance === null ? e.serviceId : `${e.instance.serviceId}/${e.instance.instanceId}  ${e.instance.url ?? ''}  ${e.instance.status ?? ''}`;
  return `${new Date().toISOString()}  ${e.changeType.padEnd(6)}  ${what.trimEnd()}  (${count} instance(s))\n`;
}

function maxCount(values: Values): number {
  if (values.count === undefined) return Infinity;
  const n = Number(values.count);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--count must be a positive integer, got ${String(values.count)}`);
  return n;
}

/**
 * `artemis watch <serviceId>`: prints the service, then every change as it is pushed, until
 * Ctrl-C or `--count` changes. Uses the SDK's DiscoveryClient, so it reconnects and resumes.
 */
export async function watch(api: Api, flags: CommonFlags, io: Io, serviceId: string, values: Values, onStop: StopHook): Promise<number> {
  const max = maxCount(values);
  const { regionId, zoneId } = await api.callerZone();
  const client = new DiscoveryClient({ urls: flags.urls, ca: flags.ca, regionId, zoneId, requestTimeoutMs: flags.timeoutMs });
  try {
    const service = await client.getService(serviceId);
    if ((service.instances ?? []).length === 0) io.err(`artemis: warning: no instance of ${serviceId} is registered yet; watching for changes\n`);
    if (flags.json) io.out(JSON.stringify({ event: 'snapshot', serviceId, service }) + '\n');
    else {
      const instances = service.instances ?? [];
      io.out(`watching ${serviceId}: ${instances.length} instance(s)\n${instances.length > 0 ? instanceTable(instances) : ''}`);
    }
  } catch (err) {
    await client.close();
    throw new CommandError(err instanceof ArtemisClientError ? err.message : (err as Error).message);
  }
  if (!flags.json) client.on('node-changed', ({ to }) => io.err(`now watching through ${to}\n`));
  return new Promise((resolve) => {
    let seen = 0;
    let done = false;
    const keepAlive = setInterval(() => undefined, 60_000);
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(keepAlive);
      stopListening();
      void client.close().then(() => resolve(0));
    };
    const stopListening = onStop(finish);
    client.subscribe(serviceId, (e) => {
      io.out(changeLine(e, flags.json));
      if (++seen >= max) finish();
    });
  });
}
