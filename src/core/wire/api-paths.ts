/**
 * Paths of the endpoints that the SDK, the CLI and the node's endpoint tables all name: declared
 * here once (no dependencies, so the SDK's build takes it as it is).
 */

/** The path of a management endpoint: `managementPath('group/get-all-groups')` is `/api/management/group/get-all-groups.json`. */
export const managementPath = (name: string): string => `/api/management/${name}.json`;

/** The token administration endpoints (`/api/auth/*`), by operationId. */
export const AUTH_PATHS = {
  createToken: '/api/auth/create-token.json',
  listTokens: '/api/auth/tokens.json',
  revokeToken: '/api/auth/revoke-token.json',
  whoAmI: '/api/auth/whoami.json',
} as const;
