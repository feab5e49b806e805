import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreInputError } from '../store/store-errors.js';
import type { TokenRegistry } from './token-registry.js';

/** The file in the data directory that holds the first admin token's secret. */
export const ADMIN_TOKEN_FILE = 'admin.token';
/** The name of the first admin token. */
export const FIRST_ADMIN_NAME = 'admin';

export interface BootstrapLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * On the first start (the store holds no token), creates the admin token and writes its secret
 * to `<dataDir>/admin.token` (mode 0600); the caller logs where it is, once the node serves.
 * Later starts find tokens and do nothing. When every token was revoked but the file is still there, nothing is created either
 * (the file's token stays revoked): delete the file and restart to get a new admin token. With
 * `secret` configured (security.initialAdminToken), the token is created and the file written
 * whenever the store holds no token.
 * @returns the file written and the token's id, or undefined.
 */
export async function bootstrapAdminToken(opts: { tokens: TokenRegistry; dataDir: string; secret: string; logger: BootstrapLog }): Promise<{ file: string; tokenId: string } | undefined> {
  const { tokens, dataDir, logger } = opts;
  if (tokens.size > 0) return undefined;
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  // A configured secret is the operator's own: the file is written again. A random one is not
  // made anew next to a file from an earlier start (its token may have been revoked on purpose).
  if (opts.secret === '' && existsSync(file)) {
    logger.warn({ file }, 'the store holds no token and the admin token file is from an earlier start; delete it and restart to create a new admin token');
    return undefined;
  }
  let created;
  try {
    created = await tokens.create({ name: FIRST_ADMIN_NAME, scopes: ['admin'], createdBy: 'bootstrap', ...(opts.secret === '' ? {} : { secret: opts.secret }) });
  } catch (err) {
    // Another node sharing the store created it first.
    if (err instanceof StoreInputError) {
      await tokens.reload();
      return undefined;
    }
    throw err;
  }
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${created.secret}\n`, { mode: 0o600, flag: opts.secret === '' ? 'wx' : 'w' });
    chmodSync(file, 0o600);
  } catch (err) {
    await tokens.revoke(created.token.id);
    throw err;
  }
  return { file, tokenId: created.token.id };
}
