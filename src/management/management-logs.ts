import { BadRequestError } from '../core/errors.js';
import { SUCCESS } from '../core/response-status.js';
import { readObject, type JsonObject } from '../core/wire/json-reader.js';
import { LOG_ENDPOINTS as WIRE_LOG_ENDPOINTS, type LogEndpointPath } from '../core/wire/management.js';
import type { LogFilter, LogRecord, LogTable, ManagementStore } from '../store/management-store.js';
import { LOGS_UNAVAILABLE } from './failures.js';
import { refuseDuringOutage, storeOutage } from './store-outage.js';
import { prop } from './requests.js';

/** Each log endpoint: its path name, its table, and the request fields that filter it (declared with the wire types). */
export const LOG_ENDPOINTS: ReadonlyArray<{ path: LogEndpointPath; table: LogTable; filters: readonly string[] }> = WIRE_LOG_ENDPOINTS;

const NUMERIC_ID_FIELDS: ReadonlySet<string> = new Set(['groupId', 'routeRuleId']);

function filterOf(req: JsonObject | null, fields: readonly string[]): LogFilter {
  const filter: LogFilter = {};
  for (const field of fields) {
    const v = prop(req, field);
    if (v === undefined || v === null) continue;
    if (field === 'complete') {
      if (typeof v === 'boolean') filter.complete = v;
      else if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) filter.complete = v.trim().toLowerCase() === 'true';
      else throw new BadRequestError('request.complete: expected a boolean.', { httpStatus: 400 });
      continue;
    }
    if (typeof v === 'number' || typeof v === 'boolean') {
      filter[field] = v;
      continue;
    }
    if (typeof v !== 'string') throw new BadRequestError(`request.${field}: expected a string or number.`, { httpStatus: 400 });
    const text = v.trim();
    if (text === '') continue;
    // ids of groups and route rules are numbers; a numeric string means the same id
    filter[field] = NUMERIC_ID_FIELDS.has(field) && /^-?\d{1,15}$/.test(text) ? Number(text) : text;
  }
  return filter;
}

/** A log record with its keys in alphabetical order, as every other response writes them. */
function sortedRecord(r: LogRecord): Record<string, unknown> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
}

/**
 * Answers one log endpoint: AND of the non-blank filters, oldest first, at most `limit` rows.
 * The logs are read from the store only: while it is unavailable the read answers
 * `service-unavailable` at once (and so does a read that finds the outage).
 */
export async function queryLogs(store: ManagementStore, table: LogTable, fields: readonly string[], body: unknown, limit: number) {
  const req = readObject(body, 'request');
  const filter = filterOf(req, fields);
  refuseDuringOutage(store, LOGS_UNAVAILABLE);
  try {
    const logs = await store.queryLogs(table, filter, limit);
    return { logs: logs.map(sortedRecord), responseStatus: SUCCESS };
  } catch (err) {
    throw storeOutage(err, LOGS_UNAVAILABLE) ?? err;
  }
}
