import type { Instance } from '../core/wire/instance.js';
import type { FailedInstance } from '../core/wire/registry-messages.js';
import { readFailedInstances } from '../client/wire.js';
import type { Api } from './api.js';
import { CommandError, UsageError, type CommonFlags, type Io, type Values } from './common.js';
import { instanceFromFlags } from './instance-commands.js';
import type { StopHook } from './watch-command.js';

/** Flags of `artemis instance register --keepalive`. */
export const KEEPALIVE_OPTIONS = {
  keepalive: { type: 'boolean' },
  interval: { type: 'string' },
} as const;

/** Help text of the keepalive flags. */
export const KEEPALIVE_HELP = `Keepalive options (register):
  --keepalive            stay running: heartbeat the instance until Ctrl-C (SIGINT/SIGTERM), register
                         it again when a node answers data-not-found, unregister it when stopped
  --interval <ms>        time between heartbeats                                     [5000]
`;

const DEFAULT_INTERVAL_MS = 5_000;

function intervalMs(values: Values): number {
  if (values.interval === undefined) return DEFAULT_INTERVAL_MS;
  const n = Number(values.interval);
  if (!Number.isInteger(n) || n < 100 || n > 3_600_000) throw new UsageError(`--interval must be 100..3600000 ms, got ${String(values.interval)}`);
  return n;
}

interface Outcome {
  ok: boolean;
  node: string;
  failure: FailedInstance | null;
  why: string;
}

async function send(api: Api, op: 'register' | 'heartbeat' | 'unregister', instance: Instance): Promise<Outcome> {
  const answer = await api.call(`/api/registry/${op}.json`, { instances: [instance] });
  const status = answer.responseStatus;
  const failure = readFailedInstances(answer.body)[0] ?? null;
  const why = failure !== null ? `${failure.errorCode}: ${failure.errorMessage ?? ''}` : `${status?.errorCode ?? 'failed'}: ${status?.message ?? ''}`;
  return { ok: status?.status === 'success', node: answer.node, failure, why: why.trim() };
}

/**
 * `artemis instance register --keepalive`: registers the instance, then heartbeats it every
 * `--interval` until stopped (Ctrl-C, SIGTERM, or a closed standard output), and unregisters
 * it. A heartbeat answered data-not-found (the node restarted, or the lease expired) registers
 * the instance again; other failures are reported on stderr and retried at the next beat.
 */
export async function keepalive(api: Api, flags: CommonFlags, io: Io, values: Values, onStop: StopHook): Promise<number> {
  const every = intervalMs(values);
  const zone = await api.callerZone();
  const instance = instanceFromFlags(values, zone.regionId, zone.zoneId);
  const key = `${instance.serviceId}/${instance.instanceId}`;
  const say = (event: string, node: string, text: string) =>
    io.out(flags.json ? `${JSON.stringify({ event, serviceId: instance.serviceId, instanceId: instance.instanceId, node })}\n` : `${text}\n`);

  const first = await send(api, 'register', instance);
  if (!first.ok) throw new CommandError(`register failed: ${first.why}`);
  say('registered', first.node, `registered ${key} on ${first.node}; heartbeat every ${every} ms (Ctrl-C to stop and unregister)`);

  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    let stopped = false;
    const beat = async () => {
      try {
        const hb = await send(api, 'heartbeat', instance);
        if (hb.ok) return;
        if (hb.failure?.errorCode === 'data-not-found') {
          const again = await send(api, 'register', instance);
          if (again.ok) say('registered-again', again.node, `registered ${key} again on ${again.node} (the node had no lease)`);
          else io.err(`artemis: register failed: ${again.why}\n`);
        } else io.err(`artemis: heartbeat failed: ${hb.why}\n`);
      } catch (err) {
        io.err(`artemis: heartbeat failed: ${(err as Error).message}\n`);
      }
    };
    const schedule = () => {
      timer = setTimeout(() => {
        inFlight = beat().then(() => {
          if (!stopped) schedule();
        });
      }, every);
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      stopListening();
      void inFlight
        .then(() => send(api, 'unregister', instance))
        .then(
          (out) => {
            if (out.ok) say('unregistered', out.node, `unregistered ${key} on ${out.node}`);
            else io.err(`artemis: unregister failed: ${out.why}\n`);
            resolve(out.ok ? 0 : 1);
          },
          (err: unknown) => {
            io.err(`artemis: unregister failed: ${(err as Error).message}\n`);
            resolve(1);
          },
        );
    };
    const stopListening = onStop(stop);
    schedule();
  });
}
