/** A store URL with any password replaced, for messages and logs (multi-host Sentinel and Cluster URLs too). */
export function redactStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) if (/password/i.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^:@/]*)(:[^@/]*)?@)?([^?#]*)(\?[^#]*)?/i.exec(url);
    if (m === null) return '<invalid url>';
    const [, scheme = '', user = '', password, rest = '', query = ''] = m;
    const auth = user === '' && password === undefined ? '' : `${user}${password === undefined ? '' : ':***'}@`;
    return `${scheme}${auth}${rest}${query.replace(/([?&][^=&]*password[^=&]*=)[^&]*/gi, '$1***')}`;
  }
}
