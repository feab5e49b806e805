import { ArtemisClientError } from '../client/errors.js';
import { networkReason, prop, UNTRUSTED_CERTIFICATE, type HttpAnswer } from '../client/http.js';
import { authorizationHeaders, ManagementClient } from '../client/management.js';
import { TokenClient } from '../client/tokens.js';
import { ClientRuntime } from '../client/runtime.js';
import { CALLER_HEADER, OPERATOR_CALLER } from '../ratelimit/operator-limit.js';
import { CommandError, type CommonFlags } from './common.js';

/** Every CLI call is operator traffic: status reads count against rateLimit.operator, not the Java-sized rateLimit.status. */
const OPERATOR_HEADERS = { [CALLER_HEADER]: OPERATOR_CALLER };

/** A region and zone as the node sees callers. */
export interface CallerZone {
  regionId: string;
  zoneId: string;
}

/** A one-line reason for a failed call. */
export function reason(err: unknown): string {
  if (err instanceof ArtemisClientError) {
    if (err.code === 'untrusted-certificate') return `${err.node ?? 'node'}: ${UNTRUSTED_CERTIFICATE} (${networkReason(err.cause)}); pass the CA that issued it with --ca-file or ARTEMIS_CA_FILE`;
    if (err.httpStatus !== undefined && err.responseStatus === undefined) return `${err.node ?? 'node'} answered HTTP ${err.httpStatus}`;
    return err.message;
  }
  return (err as Error).message;
}

/**
 * The CLI's access to a node: the SDK's HTTP transport (failover over the `--url` nodes,
 * timeouts, retries of rate-limited answers), and errors turned into one-line reasons.
 */
export class Api {
  private readonly runtime: ClientRuntime;
  private zone: Promise<CallerZone> | undefined;
  /** The SDK's typed management calls, over the same transport. */
  readonly management: ManagementClient;
  /** Token administration, over the same transport. */
  readonly tokens: TokenClient;
  private readonly headers: Record<string, string>;

  constructor(private readonly flags: CommonFlags) {
    this.runtime = new ClientRuntime({ urls: flags.urls, ca: flags.ca, requestTimeoutMs: flags.timeoutMs, retryAttempts: Math.min(3, flags.urls.length + 1), retryDelayMs: 50 }, 'discovery', () => undefined);
    this.headers = { ...OPERATOR_HEADERS, ...authorizationHeaders(flags.token) };
    const transport = { request: (req: Parameters<typeof this.runtime.http.request>[0]) => this.runtime.http.request({ ...req, headers: { ...this.headers, ...req.headers } }) };
    this.management = new ManagementClient({ transport, token: flags.token });
    this.tokens = new TokenClient({ transport, token: flags.token });
  }

  /** GET or POST; any answered status is returned. @throws CommandError when no node answered */
  async call(path: string, body?: unknown): Promise<HttpAnswer> {
    try {
      const headers = this.headers;
      return await this.runtime.http.request(body === undefined ? { method: 'GET', path, headers } : { path, body, headers });
    } catch (err) {
      throw new CommandError(reason(err));
    }
  }

  /** As {@link Api.call}, and the answer must be a success. @throws CommandError otherwise */
  async ok(path: string, body?: unknown): Promise<Record<string, unknown>> {
    const answer = await this.call(path, body);
    const s = answer.responseStatus;
    if (s?.status !== 'success') throw new CommandError(`${s?.errorCode ?? 'failed'}${s?.message ? `: ${s.message}` : ''}`);
    return answer.body ?? {};
  }

  /** The caller's region and zone: from the flags, else those of the node. */
  callerZone(): Promise<CallerZone> {
    this.zone ??= this.resolveZone();
    return this.zone;
  }

  private async resolveZone(): Promise<CallerZone> {
    const { region, zone } = this.flags;
    if (region !== undefined && zone !== undefined) return { regionId: region, zoneId: zone };
    const body = await this.ok('/api/status/node.json');
    const nodeZone = prop(prop(prop(body, 'nodeStatus') as Record<string, unknown>, 'node') as Record<string, unknown>, 'zone') as Record<string, unknown>;
    const regionId = region ?? prop(nodeZone, 'regionId');
    const zoneId = zone ?? prop(nodeZone, 'zoneId');
    if (typeof regionId !== 'string' || typeof zoneId !== 'string') throw new CommandError('the node did not tell its region and zone; pass --region and --zone');
    return { regionId, zoneId };
  }

  /** Aborts calls in flight and clears timers. */
  close(): void {
    this.runtime.shutdown();
  }
}
