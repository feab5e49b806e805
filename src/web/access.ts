import type { AccessPolicy } from '../auth/access-policy.js';
import type { Scope } from '../auth/scopes.js';
import type { TokenIdentity } from '../auth/token-registry.js';
import { ErrorCodes } from '../core/error-codes.js';
import { RegistryError } from '../core/errors.js';
import { failStatus } from '../core/response-status.js';
import type { AccessClass, Endpoint, EndpointInput } from './endpoint.js';
import type { Guard, Refusal } from './guard.js';
import { errorBody } from './respond.js';

/**
 * Enforcement of the access classes of endpoint records (see `AccessClass`): the token scope
 * each class needs, the wrapper the router puts around every management-write and admin
 * handler (by construction: a record of those classes cannot be mounted without it), and the
 * guard of read and register calls, which exists only when the settings check them.
 */

/** The token scope an access class needs (public and peer-only calls need none). */
export const SCOPE_OF: Readonly<Record<AccessClass, Scope | undefined>> = {
  public: undefined,
  'peer-only': undefined,
  read: 'read',
  register: 'register',
  'management-write': 'operate',
  admin: 'admin',
};

/** What a handler of a checked endpoint also sees: the token that made the call, when one was needed. */
export interface AuthorizedInput extends EndpointInput {
  readonly caller?: TokenIdentity;
}

/** Wraps the handler of a record whose access class the router must enforce. */
export type EndpointAuthorizer = (endpoint: Endpoint) => Endpoint['handle'];

/** True for the access classes the router's mount enforces. */
export const mountEnforced = (access: AccessClass): boolean => access === 'management-write' || access === 'admin';

/** Called with the scope of every refused call (metrics). */
export type RefusalSink = (scope: Scope) => void;

/** The `token` property of a JSON object, found ignoring letter case as the management readers do. */
function bodyToken(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key.toLowerCase() === 'token' && typeof value === 'string') return value.trim();
  }
  return undefined;
}

/**
 * The body a management handler sees once a token authorised the call: its `token` field (in
 * any spelling) replaced by the token's label, so the audit log and the operation rows record
 * which token made the write and never a secret.
 */
function withCaller(body: unknown, caller: TokenIdentity): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) if (key.toLowerCase() !== 'token') out[key] = value;
  out['token'] = caller.label;
  return out;
}

const noPermission = (failure: string) => new RegistryError(ErrorCodes.noPermission, failure, { httpStatus: 403 });

/**
 * The router's wrapper for management-write (scope operate) and admin (scope admin) records:
 * the body is read first, since a Java management request carries its token in the `token`
 * field; a refusal answers HTTP 403 `no-permission` before the handler runs.
 */
export function endpointAuthorizer(policy: AccessPolicy, onRefused: RefusalSink): EndpointAuthorizer {
  return (endpoint) => {
    const scope = SCOPE_OF[endpoint.access];
    const handle = endpoint.handle;
    if (scope === undefined || !mountEnforced(endpoint.access)) return handle;
    const javaToken = endpoint.access === 'management-write';
    return async (input) => {
      const body = input.method === 'POST' ? await input.body() : undefined;
      const outcome = policy.check(scope, input.clientAddress, input.header('authorization'), javaToken ? bodyToken(body) : undefined);
      if (!outcome.ok) {
        onRefused(scope);
        throw noPermission(outcome.failure);
      }
      const caller = outcome.caller;
      const seen = caller !== undefined && javaToken ? withCaller(body, caller) : body;
      const authorized: AuthorizedInput = {
        method: input.method,
        query: (name) => input.query(name),
        queries: (name) => input.queries(name),
        requiredQuery: (name) => input.requiredQuery(name),
        header: (name) => input.header(name),
        body: () => Promise.resolve(seen),
        clientAddress: input.clientAddress,
        prefix: input.prefix,
        ...(caller === undefined ? {} : { caller }),
      };
      return handle(authorized);
    };
  };
}

/**
 * The guard of read and register calls (HTTP, on both ways in): a token from the Authorization
 * header and the address ranges, as `security.read` / `security.register` ask. Undefined when
 * neither scope is checked, so that the default settings add nothing to the guard chain.
 */
export function accessGuard(policy: AccessPolicy, accessOf: (path: string) => AccessClass | undefined, onRefused: RefusalSink): Guard | undefined {
  if (!policy.checks('read') && !policy.checks('register')) return undefined;
  const refusals = new Map<string, Refusal>();
  const refusal = (failure: string): Refusal => {
    let r = refusals.get(failure);
    if (r === undefined) refusals.set(failure, (r = { status: 403, body: errorBody(failStatus(ErrorCodes.noPermission, failure)) }));
    return r;
  };
  return (req) => {
    let access = accessOf(req.path);
    if (access === undefined && req.path.includes('%')) access = accessOf(safeDecode(req.path));
    if (access !== 'read' && access !== 'register') return undefined;
    if (!policy.checks(access)) return undefined;
    const outcome = policy.check(access, req.remoteAddress, req.header('authorization'));
    if (outcome.ok) return undefined;
    onRefused(access);
    return refusal(outcome.failure);
  };
}

function safeDecode(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
