import { ErrorCodes } from '../../core/error-codes.js';
import { RegistryError } from '../../core/errors.js';
import { LOG_ENDPOINTS, queryLogs } from '../../management/management-logs.js';
import type { ManagementStore } from '../../store/management-store.js';
import { wire, type Endpoint } from '../endpoint.js';
import { LOGS_UNAVAILABLE } from '../../management/failures.js';
import { managementPath } from '../../core/wire/api-paths.js';
import { logSchemaName } from './management-schemas.js';

export interface LogEndpointsDeps {
  store: ManagementStore;
  /** At most this many rows per answer (management.logQueryLimit). */
  logQueryLimit: number;
}

const NOTES = [
  'Rows matching every non-blank filter (strings ignoring letter case), oldest first,',
  'at most management.logQueryLimit rows.',
  'A filter that is an object or array, or a complete that is not a boolean, is HTTP 400 bad-request;',
  'while the management store is unavailable, service-unavailable at once; another store failure is internal-service-error with its text.',
].join(' ');
const UNSWAPPED = 'The operation and operatorId filters match their own columns; the Java reference swaps them on this endpoint.';

/** /api/management/log/*.json (management protocol section 8): one read per audit log. */
export function logEndpoints(deps: LogEndpointsDeps): Endpoint[] {
  return LOG_ENDPOINTS.map(({ path, table, filters }): Endpoint => {
    const name = logSchemaName(path);
    return {
      operationId: `get${name}Logs`,
      path: managementPath(`log/${path}`),
      methods: ['POST'],
      tag: 'management',
      summary: `Query the ${path.replace(/-logs$/, '').replace(/-/g, ' ')} log.`,
      notes: path === 'service-instance-logs' ? `${NOTES} ${UNSWAPPED}` : NOTES,
      request: `${name}LogsRequest`,
      response: `${name}LogsResponse`,
      rateLimit: 'none',
      access: 'read',
      bareFailure: true,
      failures: [LOGS_UNAVAILABLE],
      handle: async (input) => {
        const body = await input.body();
        try {
          return wire(await queryLogs(deps.store, table, filters, body, deps.logQueryLimit));
        } catch (err) {
          if (err instanceof RegistryError) throw err;
          throw new RegistryError(ErrorCodes.internalServiceError, err instanceof Error ? err.message : String(err), { cause: err });
        }
      },
    };
  });
}
