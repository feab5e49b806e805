/**
 * Token scopes. `read`: discovery and management reads; `register`: register, heartbeat and
 * unregister; `operate`: management writes; `admin`: token administration. `admin` grants every
 * scope and `operate` also grants `read`.
 */
export const SCOPES = ['read', 'register', 'operate', 'admin'] as const;

export type Scope = (typeof SCOPES)[number];

const IMPLIED: Readonly<Record<Scope, readonly Scope[]>> = {
  read: ['read'],
  register: ['register'],
  operate: ['operate', 'read'],
  admin: ['admin', 'operate', 'read', 'register'],
};

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** True when a token with `scopes` may make a call that needs `needed`. */
export function grants(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.some((s) => IMPLIED[s].includes(needed));
}
