import { ArtemisClientError } from '../client/errors.js';
import { ManagementCallError } from '../client/management.js';
import type { TokenScope } from '../client/tokens.js';
import type { TokenInfo } from '../core/wire/tokens.js';
import { reason, type Api } from './api.js';
import { CommandError, UsageError, formatTable, printJson, type CommonFlags, type Io, type OptionSpec, type Values } from './common.js';

const SCOPES: readonly TokenScope[] = ['read', 'register', 'operate', 'admin'];

export const TOKEN_CREATE_OPTIONS: OptionSpec = { scope: { type: 'string' } };

export const TOKEN_CREATE_HELP = `Token options:
  --scope <s>[,<s>...]    read, register, operate (management writes), admin (tokens)   [operate]

The secret is printed once; the node keeps only its SHA-256. Token commands need an admin token
(--token, ARTEMIS_TOKEN, or a local node's data/admin.token).`;

/** A failed call as a one-line reason, with the node's answer printed under --json. */
function failure(err: unknown, flags: CommonFlags, io: Io, what: string): CommandError {
  if (err instanceof ManagementCallError) {
    if (flags.json) printJson(io, err.body);
    return new CommandError(`${what} failed: ${err.responseStatus?.errorCode ?? ''}: ${err.responseStatus?.message ?? ''}`);
  }
  if (err instanceof ArtemisClientError && err.responseStatus !== undefined) return new CommandError(`${what} failed: ${err.responseStatus.errorCode}: ${err.responseStatus.message ?? ''}`);
  return new CommandError(reason(err));
}

function scopesOf(values: Values): TokenScope[] {
  const text = (values.scope as string | undefined) ?? 'operate';
  const scopes = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad !== undefined || scopes.length === 0) throw new UsageError(`--scope: one or more of ${SCOPES.join(', ')}${bad === undefined ? '' : `, not ${bad}`}`);
  return scopes as TokenScope[];
}

const row = (t: TokenInfo) => [t.id, t.name, t.scopes.join(','), new Date(t.createTime).toISOString(), t.createdBy];
const HEADERS = ['ID', 'NAME', 'SCOPES', 'CREATED', 'CREATED BY'];

/** `artemis token create <name> [--scope ...]`: prints the new token's secret, once. */
export async function tokenCreate(api: Api, flags: CommonFlags, io: Io, name: string, values: Values): Promise<number> {
  const scopes = scopesOf(values);
  try {
    const created = await api.tokens.create(name, scopes);
    if (flags.json) printJson(io, created);
    else io.out(`${created.secret ?? ''}\n`);
    if (!flags.json && created.token !== null) io.err(`created token ${created.token.name} (${created.token.id}) with scopes ${created.token.scopes.join(',')}; the secret above is shown only now\n`);
    return 0;
  } catch (err) {
    throw failure(err, flags, io, 'token create');
  }
}

/** `artemis token list`: ids, names and scopes (never secrets). */
export async function tokenList(api: Api, flags: CommonFlags, io: Io): Promise<number> {
  try {
    const { tokens } = await api.tokens.list();
    if (flags.json) printJson(io, tokens ?? []);
    else io.out(formatTable(HEADERS, (tokens ?? []).map(row)));
    return 0;
  } catch (err) {
    throw failure(err, flags, io, 'token list');
  }
}

/** `artemis token revoke <id|name>`: every node refuses the token from then on. */
export async function tokenRevoke(api: Api, flags: CommonFlags, io: Io, idOrName: string): Promise<number> {
  try {
    const revoked = await api.tokens.revoke(idOrName);
    if (flags.json) printJson(io, revoked);
    else if (revoked.token !== null) io.out(`revoked token ${revoked.token.name} (${revoked.token.id})\n`);
    return 0;
  } catch (err) {
    throw failure(err, flags, io, 'token revoke');
  }
}
