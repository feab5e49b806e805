/**
 * Calls to this node's own API (same origin, below the context path the page was loaded from).
 * Reads carry `x-artemis-caller: operator`; when signed in, every call carries
 * `Authorization: Bearer <token>`. The token lives in sessionStorage only: gone with the tab.
 */

/** '' or the context path: the page is served at `<prefix>/console`. */
export const PREFIX = location.pathname.replace(/\/console\/?$/, '');

const TOKEN_KEY = 'artemis.console.token';
const OPERATOR_KEY = 'artemis.console.operator';
/** The Java management API requires a non-blank `token` field; the real credential goes in the header. */
export const AUDIT_TOKEN = 'console';

type Listener = () => void;
const listeners = new Set<Listener>();

function stored(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export const session = {
  token: (): string | null => stored(TOKEN_KEY),
  operator: (): string => stored(OPERATOR_KEY) ?? 'console',
  signedIn: (): boolean => (stored(TOKEN_KEY) ?? '') !== '',
  signIn(token: string, operator: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(OPERATOR_KEY, operator.trim() === '' ? 'console' : operator.trim());
    listeners.forEach((l) => l());
  },
  signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(OPERATOR_KEY);
    listeners.forEach((l) => l());
  },
  subscribe: (l: Listener): (() => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

export class ApiError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly errorCode: string | null,
  ) {
    super(message);
  }
}

interface Enveloped {
  responseStatus?: { errorCode?: string; message?: string | null; status?: string } | null;
}

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json', 'x-artemis-caller': 'operator' };
  if (json) h['Content-Type'] = 'application/json';
  const token = session.token();
  if (token !== null && token !== '') h['Authorization'] = `Bearer ${token}`;
  return h;
}

async function answer<T>(res: Response, path: string): Promise<T> {
  let body: unknown = null;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) body = await res.json();
  const status = (body as Enveloped | null)?.responseStatus;
  if (res.status === 401 || res.status === 403 || status?.errorCode === 'no-permission') {
    throw new ApiError(
      `Not allowed (${status?.message || `HTTP ${res.status}`}): sign in with a token that may do this.`,
      res.status,
      status?.errorCode ?? null,
    );
  }
  if (!res.ok) throw new ApiError(status?.message || `${path} answered HTTP ${res.status}`, res.status, status?.errorCode ?? null);
  if (status !== undefined && status !== null && status.errorCode !== undefined && status.errorCode !== 'success') {
    throw new ApiError(status.message || status.errorCode, res.status, status.errorCode);
  }
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${PREFIX}${path}`, { headers: headers(false), credentials: 'same-origin' });
  return answer<T>(res, path);
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${PREFIX}${path}`, { method: 'POST', headers: headers(true), body: JSON.stringify(body), credentials: 'same-origin' });
  return answer<T>(res, path);
}

export async function getText(path: string): Promise<string> {
  const res = await fetch(`${PREFIX}${path}`, { headers: headers(false), credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(`${path} answered HTTP ${res.status}`, res.status, null);
  return res.text();
}

/** The audit block of a management write. */
export function audit(operation: string, reason: string): { operation: string; operatorId: string; token: string; reason?: string } {
  const r = reason.trim();
  return { operation, operatorId: session.operator(), token: AUDIT_TOKEN, ...(r === '' ? {} : { reason: r }) };
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
