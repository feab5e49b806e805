/** What the dashboard warns of: what the node's settings show. */

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

const blank = (v: unknown) => v === undefined || v === null || v === '';

/** Warnings from what the node's settings show (status/config.json): cluster key and management auth. */
export function securityWarnings(config: Map<string, unknown>): string[] {
  const out: string[] = [];
  if (blank(config.get('cluster.key')) && blank(config.get('cluster.keyFile'))) {
    // Peer calls are signed with the cluster key: without one a node accepts none, unless cluster.insecure lets them in unchecked.
    out.push(
      config.get('cluster.insecure') === true
        ? 'cluster.insecure is on and there is no cluster key: peer calls are neither signed nor checked, so anyone who reaches this node can write to its registry and membership.'
        : 'No cluster key: this node accepts no peer calls (gossip, replication), so it cannot join a cluster.',
    );
  }
  if (config.get('security.managementAuth') === false) out.push('Management auth is off: anyone who reaches this node can pull out instances and change route rules.');
  return out;
}
