/** What the dashboard warns of: what the node's settings show. */
import { SETTING_WARNINGS, warningSentence } from '../../src/config/setting-warnings.js';

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
    out.push(config.get('cluster.insecure') === true ? SETTING_WARNINGS.insecureCluster : SETTING_WARNINGS.noClusterKey);
  }
  if (config.get('security.managementAuth') === false) out.push(SETTING_WARNINGS.managementAuthOff);
  return out.map(warningSentence);
}
