import type { Scope } from './scopes.js';

/**
 * The failure texts of access checks and token administration, each declared once. Refusals
 * answer HTTP 403 with errorCode `no-permission`.
 */

/** No credentials on a call that needs a token. */
export const TOKEN_REQUIRED = 'This call needs a token: send the header Authorization: Bearer <token> (management requests may carry it in their token field).';
/** A secret that matches no token (unknown or revoked). */
export const TOKEN_INVALID = 'The token is not valid: unknown or revoked.';
/** An Authorization header that is not `Bearer <token>`. */
export const AUTHORIZATION_MALFORMED = 'The Authorization header must be "Bearer <token>".';
/** The caller's address is outside the ranges a scope is restricted to. */
export const ADDRESS_REFUSED = 'Calls of this kind are not accepted from this address (security.*.allowedCidrs).';

/** A valid token without the scope a call needs, per scope. */
export const SCOPE_MISSING: Readonly<Record<Scope, string>> = {
  read: 'The token does not grant the read scope this call needs.',
  register: 'The token does not grant the register scope this call needs.',
  operate: 'The token does not grant the operate scope that management writes need.',
  admin: 'The token does not grant the admin scope that token administration needs.',
};

/** Token administration. */
export const TOKEN_NAME_INVALID = 'name must be 1 to 64 letters, digits, dots, dashes or underscores.';
export const TOKEN_SCOPES_INVALID = 'scopes must be a non-empty list of read, register, operate and admin.';
export const TOKEN_NAME_TAKEN = 'A token with this name exists; revoke it first or choose another name.';
export const TOKEN_NOT_FOUND = 'No token has this id or name.';
export const TOKEN_TARGET_MISSING = 'Give the id or the name of the token to revoke.';
export const TOKENS_UNAVAILABLE = 'The token store cannot be used right now.';
