import type { CreateTokenResponse, ListTokensResponse, RevokeTokenResponse, WhoAmIResponse } from '../core/wire/tokens.js';
import { AUTH_PATHS } from '../core/wire/api-paths.js';
import { checkedCall, TokenCaller } from './management.js';

/** The token scopes: read, register (register/heartbeat/unregister), operate (management writes), admin (token administration). */
export type TokenScope = 'read' | 'register' | 'operate' | 'admin';

/**
 * Typed calls of token administration (`/api/auth/*`): create, list and revoke API tokens with
 * an admin token, and ask which token a secret is. Failures reject with a ManagementCallError
 * (`no-permission` without an admin token).
 *
 * @example
 * ```ts
 * import { TokenClient } from 'artemis-registry/client';
 *
 * const tokens = new TokenClient({ urls: 'http://127.0.0.1:8080', token: adminSecret });
 * const { secret } = await tokens.create('deploy-bot', ['operate']);
 * tokens.close();
 * ```
 */
export class TokenClient extends TokenCaller {
  /** Creates a token; the answer holds its secret, which the node does not keep. */
  create(name: string, scopes: readonly TokenScope[]): Promise<CreateTokenResponse> {
    return checkedCall(this.transport, AUTH_PATHS.createToken, { name, scopes }, this.headers);
  }

  /** Every token (ids, names, scopes), oldest first. */
  list(): Promise<ListTokensResponse> {
    return checkedCall(this.transport, AUTH_PATHS.listTokens, {}, this.headers);
  }

  /** Revokes a token by id or name; every node refuses it from then on. */
  revoke(idOrName: string): Promise<RevokeTokenResponse> {
    return checkedCall(this.transport, AUTH_PATHS.revokeToken, { id: idOrName }, this.headers);
  }

  /** The token this client's secret is (null when it is none), and whether management auth is on. */
  whoAmI(): Promise<WhoAmIResponse> {
    return checkedCall(this.transport, AUTH_PATHS.whoAmI, {}, this.headers);
  }

}
