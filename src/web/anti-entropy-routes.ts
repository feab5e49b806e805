import type { RegistryDigest } from '../replication/anti-entropy.js';
import { DIFF_PATH, DIGEST_PATH } from '../replication/anti-entropy.js';
import { SUCCESS } from '../core/response-status.js';
import { BadRequestError } from '../core/errors.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { sendWire } from './respond.js';

export interface AntiEntropyRoutesDeps {
  digest: RegistryDigest;
  maxBodyBytes: number;
  /** Most service ids one diff request may ask for. */
  maxServices: number;
}

/**
 * Anti-entropy between peers (an extension of the replication API): `digest.json` answers a
 * compact digest per service, `diff.json` the instances and recent tombstones of the services
 * asked for.
 */
export function antiEntropyRoutes(router: ApiRouter, deps: AntiEntropyRoutesDeps): void {
  router.getAndPost(DIGEST_PATH, async (c) => {
    const body = c.req.method === 'POST' ? ((await readJsonBody(c, deps.maxBodyBytes)) as { root?: unknown } | null) : null;
    const root = deps.digest.root();
    // A caller holding the same root has nothing to compare: no per-service map is sent.
    const digests = typeof body?.root === 'string' && body.root === root ? null : deps.digest.digests();
    return sendWire(c, { digests, responseStatus: SUCCESS, root });
  });
  router.post(DIFF_PATH, async (c) => {
    const body = (await readJsonBody(c, deps.maxBodyBytes)) as { serviceIds?: unknown } | null;
    const ids = body?.serviceIds;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw new BadRequestError('request.serviceIds must be a list of service ids.');
    if (ids.length > deps.maxServices) throw new BadRequestError(`request.serviceIds: at most ${deps.maxServices} services per request.`);
    return sendWire(c, { responseStatus: SUCCESS, services: deps.digest.diff(ids as string[]) });
  });
}
