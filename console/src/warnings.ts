/** What the dashboard warns of: the node's own `warnings` lists, and what its settings show. */

export interface NodeStatusAnswer {
  nodeStatus?: Record<string, unknown> & { status?: string; node?: { url?: string; zone?: { regionId?: string; zoneId?: string } } };
  [key: string]: unknown;
}

/** `{ key: k, value: v, typedValue: …` → v (JSON), as status/config.json writes each property. */
export function configValues(properties: Record<string, string> | null | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, text] of Object.entries(properties ?? {})) {
    const m = /value: (.*), typedValue: /.exec(text);
    if (m === null) continue;
    try {
      out.set(key, JSON.parse(m[1]!));
    } catch {
      out.set(key, m[1]);
    }
  }
  return out;
}

const blank = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** Warnings from what the node exposes: explicit `warnings` lists, then what its settings show. */
export function securityWarnings(status: NodeStatusAnswer | null, config: Map<string, unknown>): string[] {
  const out: string[] = [];
  const lists = [status?.['warnings'], status?.nodeStatus?.['warnings'], (status?.['security'] as { warnings?: unknown } | undefined)?.warnings];
  for (const list of lists) if (Array.isArray(list)) for (const w of list) if (typeof w === 'string' && !out.includes(w)) out.push(w);
  const keyNames = [...config.keys()];
  const secretKeys = keyNames.filter((k) => /^cluster\.(secret|key|secrets?File|keyFile)$/i.test(k));
  if (secretKeys.length > 0 && secretKeys.every((k) => blank(config.get(k)))) {
    // Peer calls are signed with the cluster key: without one a node accepts none, unless cluster.insecure lets them in unchecked.
    out.push(
      config.get('cluster.insecure') === true
        ? 'cluster.insecure is on and there is no cluster key: peer calls are neither signed nor checked, so anyone who reaches this node can write to its registry and membership.'
        : 'No cluster key: this node accepts no peer calls (gossip, replication), so it cannot join a cluster.',
    );
  }
  const authKeys = keyNames.filter((k) => /^(auth|security)\./i.test(k) && /(enabled|required|management|mode)/i.test(k));
  const authOn = authKeys.some((k) => {
    const v = config.get(k);
    return v === true || (typeof v === 'string' && !/^(off|false|none|disabled|)$/i.test(v));
  });
  if (!authOn) out.push('Management auth is off: anyone who reaches this node can pull out instances and change route rules.');
  return out;
}
