import type { AccessPolicy } from '../../auth/access-policy.js';
import {
  TOKEN_NAME_INVALID,
  TOKEN_NAME_TAKEN,
  TOKEN_NOT_FOUND,
  TOKEN_SCOPES_INVALID,
  TOKEN_TARGET_MISSING,
  TOKENS_UNAVAILABLE,
} from '../../auth/failures.js';
import { isScope } from '../../auth/scopes.js';
import type { TokenRegistry, TokenView } from '../../auth/token-registry.js';
import { ErrorCodes } from '../../core/error-codes.js';
import { AUTH_PATHS } from '../../core/wire/api-paths.js';
import { SUCCESS, failStatus } from '../../core/response-status.js';
import { readObject } from '../../core/wire/json-reader.js';
import { STORE_UNREPLICATED } from '../../management/failures.js';
import { storeOutage } from '../../management/store-outage.js';
import { StoreInputError } from '../../store/store-errors.js';
import type { AuthorizedInput } from '../access.js';
import { wire, type Endpoint, type EndpointInput } from '../endpoint.js';

export interface TokenEndpointsDeps {
  tokens: TokenRegistry;
  policy: AccessPolicy;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

const info = (t: TokenView) => ({ createTime: t.createTime, createdBy: t.createdBy, id: t.id, name: t.name, scopes: t.scopes });

/** A property of the request body, found ignoring letter case. */
async function field(input: EndpointInput, name: string): Promise<unknown> {
  const body = readObject(await input.body(), 'request');
  if (body === null) return undefined;
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : body[key];
}

/**
 * A store failure answers with the declared text: service-unavailable while the store cannot be
 * reached or a write was not confirmed by store.minReplicas replicas (with the cause), else
 * internal-service-error; anything else is thrown on.
 */
async function guarded<T>(work: () => Promise<T>, failed: (status: ReturnType<typeof failStatus>) => object): Promise<T | ReturnType<typeof wire>> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof StoreInputError) return wire(failed(failStatus(ErrorCodes.badRequest, TOKEN_NAME_TAKEN)));
    const outage = storeOutage(err, TOKENS_UNAVAILABLE);
    if (outage !== undefined) return wire(failed(failStatus(outage.errorCode, outage.message)));
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('store-')) return wire(failed(failStatus(ErrorCodes.internalServiceError, TOKENS_UNAVAILABLE)));
    throw err;
  }
}

/** /api/auth/*: create, list and revoke API tokens (scope admin), and tell a caller which token it holds. */
export function tokenEndpoints(deps: TokenEndpointsDeps): Endpoint[] {
  const common = { tag: 'auth', rateLimit: 'none', access: 'admin' } as const;
  return [
    {
      ...common,
      operationId: 'createToken',
      path: AUTH_PATHS.createToken,
      methods: ['POST'],
      summary: 'Create an API token; the answer shows its secret, once.',
      notes: 'The node keeps only the SHA-256 of the secret, in the management store, so every node of the cluster accepts the token.',
      request: 'CreateTokenRequest',
      response: 'CreateTokenResponse',
      failures: [TOKEN_NAME_INVALID, TOKEN_SCOPES_INVALID, TOKEN_NAME_TAKEN, TOKENS_UNAVAILABLE, STORE_UNREPLICATED],
      requestExample: { name: 'deploy-bot', scopes: ['operate'] },
      handle: async (input: AuthorizedInput) => {
        const name = await field(input, 'name');
        const scopes = await field(input, 'scopes');
        const fail = (status: ReturnType<typeof failStatus>) => ({ responseStatus: status, secret: null, token: null });
        if (typeof name !== 'string' || !NAME.test(name)) return wire(fail(failStatus(ErrorCodes.badRequest, TOKEN_NAME_INVALID)));
        if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every(isScope)) return wire(fail(failStatus(ErrorCodes.badRequest, TOKEN_SCOPES_INVALID)));
        return guarded(async () => {
          const created = await deps.tokens.create({ name, scopes, createdBy: input.caller?.label ?? 'anonymous' });
          return wire({ responseStatus: SUCCESS, secret: created.secret, token: info(created.token) });
        }, fail);
      },
    },
    {
      ...common,
      operationId: 'listTokens',
      path: AUTH_PATHS.listTokens,
      methods: ['GET', 'POST'],
      summary: 'List the API tokens (ids, names, scopes; never secrets).',
      request: 'EmptyRequest',
      response: 'ListTokensResponse',
      failures: [TOKENS_UNAVAILABLE],
      handle: () =>
        guarded(
          async () => wire({ responseStatus: SUCCESS, tokens: (await deps.tokens.list()).map(info) }),
          (status) => ({ responseStatus: status, tokens: null }),
        ),
    },
    {
      ...common,
      operationId: 'revokeToken',
      path: AUTH_PATHS.revokeToken,
      methods: ['POST'],
      summary: 'Revoke an API token by id or name; every node refuses it from then on.',
      request: 'RevokeTokenRequest',
      response: 'RevokeTokenResponse',
      failures: [TOKEN_TARGET_MISSING, TOKEN_NOT_FOUND, TOKENS_UNAVAILABLE, STORE_UNREPLICATED],
      requestExample: { id: 'tk_3f9a0c1d2e4b' },
      handle: async (input) => {
        const id = await field(input, 'id');
        const fail = (status: ReturnType<typeof failStatus>) => ({ responseStatus: status, token: null });
        if (typeof id !== 'string' || id.trim() === '') return wire(fail(failStatus(ErrorCodes.badRequest, TOKEN_TARGET_MISSING)));
        return guarded(async () => {
          const revoked = await deps.tokens.revoke(id.trim());
          if (revoked === undefined) return wire(fail(failStatus(ErrorCodes.dataNotFound, TOKEN_NOT_FOUND)));
          return wire({ responseStatus: SUCCESS, token: info(revoked) });
        }, fail);
      },
    },
    {
      ...common,
      access: 'public',
      operationId: 'whoAmI',
      path: AUTH_PATHS.whoAmI,
      methods: ['GET', 'POST'],
      summary: 'Tell which token the request carries (Authorization: Bearer) and whether management auth is on.',
      notes: 'Any caller; token is null without a valid token. For consoles and scripts to check a token before using it.',
      request: 'EmptyRequest',
      response: 'WhoAmIResponse',
      handle: (input) => {
        const secret = BEARER.exec(input.header('authorization') ?? '')?.[1];
        const caller = secret === undefined ? undefined : deps.tokens.verify(secret);
        const token = caller === undefined ? null : { id: caller.id, name: caller.name, scopes: [...caller.scopes] };
        return wire({ managementAuth: deps.policy.managementAuth, responseStatus: SUCCESS, token });
      },
    },
  ];
}

