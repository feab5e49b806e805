import type { RoutingService } from '../../management/routing/routing-service.js';
import type { Endpoint } from '../endpoint.js';
import { groupReadEndpoints } from './groups-reads.js';
import { groupWriteEndpoints } from './groups-writes.js';

/** The 32 endpoints of /api/management/group/ (20 writes, 12 reads), all POST. */
export function groupEndpoints(routing: RoutingService): Endpoint[] {
  return [...groupWriteEndpoints(routing), ...groupReadEndpoints(routing)];
}
