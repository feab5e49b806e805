import { BadRequestError } from '../../core/errors.js';
import { SUCCESS } from '../../core/response-status.js';
import { DIFF_PATH, DIGEST_PATH, type RegistryDigest } from '../../replication/anti-entropy.js';
import { wire, type Endpoint } from '../endpoint.js';
import { GetDiffRequest, GetDiffResponse, GetDigestsRequest, GetDigestsResponse } from '../openapi/cold-schemas.js';

export interface AntiEntropyEndpointsDeps {
  digest: RegistryDigest;
  /** Most service ids one diff request may ask for. */
  maxServices: number;
}

export const AntiEntropyFailures = {
  serviceIdsNotList: 'request.serviceIds must be a list of service ids.',
  tooManyServices: 'request.serviceIds: at most <max> services per request.',
} as const;

/**
 * Anti-entropy between peers (an extension of the replication API): `digest.json` answers a
 * compact digest per service, `diff.json` the instances and recent tombstones of the services
 * asked for.
 */
export function antiEntropyEndpoints(deps: AntiEntropyEndpointsDeps): Endpoint[] {
  const common = { tag: 'replication', access: 'peer-only', rateLimit: 'none' } as const;
  return [
    {
      ...common,
      operationId: 'getRegistryDigests',
      path: DIGEST_PATH,
      methods: ['GET', 'POST'],
      summary: 'Compact per-service digests of the registry (anti-entropy).',
      notes: 'A caller that sends the root it holds gets digests null when the roots are equal.',
      request: GetDigestsRequest,
      response: GetDigestsResponse,
      handle: async (input) => {
        const body = input.method === 'POST' ? ((await input.body()) as { root?: unknown } | null) : null;
        await deps.digest.settle();
        const root = deps.digest.root();
        // A caller holding the same root has nothing to compare: no per-service map is sent.
        const digests = typeof body?.root === 'string' && body.root === root ? null : deps.digest.digests();
        return wire({ digests, responseStatus: SUCCESS, root });
      },
    },
    {
      ...common,
      operationId: 'getRegistryDiff',
      path: DIFF_PATH,
      methods: ['POST'],
      summary: 'Instances and recent tombstones of the given services (anti-entropy).',
      request: GetDiffRequest,
      response: GetDiffResponse,
      failures: Object.values(AntiEntropyFailures),
      bareFailure: true,
      handle: async (input) => {
        const ids = ((await input.body()) as { serviceIds?: unknown } | null)?.serviceIds;
        if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw new BadRequestError(AntiEntropyFailures.serviceIdsNotList);
        if (ids.length > deps.maxServices) {
          throw new BadRequestError(AntiEntropyFailures.tooManyServices.replace('<max>', String(deps.maxServices)), { limit: 'limits.maxAntiEntropyServices' });
        }
        return wire({ responseStatus: SUCCESS, services: deps.digest.diff(ids as string[]) });
      },
    },
  ];
}
