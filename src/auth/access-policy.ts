import { AddressRanges } from './address-ranges.js';
import { ADDRESS_REFUSED, AUTHORIZATION_MALFORMED, SCOPE_MISSING, TOKEN_INVALID, TOKEN_REQUIRED } from './failures.js';
import { grants, SCOPES, type Scope } from './scopes.js';
import type { TokenIdentity, TokenRegistry } from './token-registry.js';

/** The `security.*` settings the access checks read. */
export interface SecuritySettings {
  managementAuth: boolean;
  read: { requireToken: boolean; allowedCidrs: readonly string[] };
  register: { requireToken: boolean; allowedCidrs: readonly string[] };
  operate: { allowedCidrs: readonly string[] };
  admin: { allowedCidrs: readonly string[] };
}

/** What one scope's calls are checked for, worked out once from the settings. */
interface ScopeRule {
  tokenRequired: boolean;
  ranges: AddressRanges | undefined;
}

/** The outcome of a check: the caller's token (when one was needed and given), or the failure text. */
export type AccessOutcome = { ok: true; caller: TokenIdentity | undefined } | { ok: false; failure: string };

const ALLOWED: AccessOutcome = Object.freeze({ ok: true, caller: undefined });
const refused = (failure: string): AccessOutcome => ({ ok: false, failure });

const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * Who may make a call of each scope: the address ranges it is restricted to and whether it needs
 * a token, precomputed from the settings so that a scope without either costs one property read.
 */
export class AccessPolicy {
  private readonly rules: Readonly<Record<Scope, ScopeRule>>;

  constructor(
    readonly settings: SecuritySettings,
    private readonly tokens: TokenRegistry,
  ) {
    const ranges = (list: readonly string[]) => (list.length === 0 ? undefined : new AddressRanges(list));
    this.rules = {
      read: { tokenRequired: settings.read.requireToken, ranges: ranges(settings.read.allowedCidrs) },
      register: { tokenRequired: settings.register.requireToken, ranges: ranges(settings.register.allowedCidrs) },
      operate: { tokenRequired: settings.managementAuth, ranges: ranges(settings.operate.allowedCidrs) },
      admin: { tokenRequired: settings.managementAuth, ranges: ranges(settings.admin.allowedCidrs) },
    };
  }

  get managementAuth(): boolean {
    return this.settings.managementAuth;
  }

  /** True when calls of `scope` are checked at all (a token or an address range). */
  checks(scope: Scope): boolean {
    const rule = this.rules[scope];
    return rule.tokenRequired || rule.ranges !== undefined;
  }

  /** The scopes whose calls are checked. */
  checkedScopes(): Scope[] {
    return SCOPES.filter((s) => this.checks(s));
  }

  /**
   * Checks one call of `scope` from `address`. The secret comes from the Authorization header
   * (`Bearer <secret>`), else from `bodyToken` (the token field of a Java management request).
   */
  check(scope: Scope, address: string, authorization: string | undefined, bodyToken?: string): AccessOutcome {
    const rule = this.rules[scope];
    if (rule.ranges !== undefined && !rule.ranges.has(address)) return refused(ADDRESS_REFUSED);
    if (!rule.tokenRequired) return ALLOWED;
    let secret: string;
    if (authorization !== undefined && authorization !== '') {
      const match = BEARER.exec(authorization);
      if (match === null) return refused(AUTHORIZATION_MALFORMED);
      secret = match[1]!;
    } else if (bodyToken !== undefined && bodyToken !== '') {
      secret = bodyToken;
    } else {
      return refused(TOKEN_REQUIRED);
    }
    const caller = this.tokens.verify(secret);
    if (caller === undefined) return refused(TOKEN_INVALID);
    if (!grants(caller.scopes, scope)) return refused(SCOPE_MISSING[scope]);
    return { ok: true, caller };
  }
}
