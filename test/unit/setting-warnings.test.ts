import { describe, expect, it } from 'vitest';
import { configValues, securityWarnings as consoleWarnings } from '../../console/src/warnings.js';
import { securityWarnings as cliWarnings } from '../../src/cli/read-commands.js';
import { NO_CLUSTER_KEY, SETTING_WARNINGS, warningSentence } from '../../src/config/setting-warnings.js';
import { PeerAuthFailures } from '../../src/web/peer-auth.js';

/** status/config.json properties as the node writes them (src/web/api/status.ts). */
function properties(settings: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(settings)) {
    const value = JSON.stringify(v);
    out[key] = `{ key: ${key}, value: ${value}, typedValue: ${value}, source: defaults }`;
  }
  return out;
}

const UNSAFE: Array<[string, Record<string, unknown>, string]> = [
  ['management auth off', { 'security.managementAuth': false, 'cluster.key': 'k'.repeat(32) }, SETTING_WARNINGS.managementAuthOff],
  ['cluster.insecure without a key', { 'security.managementAuth': true, 'cluster.insecure': true, 'cluster.key': '', 'cluster.keyFile': '' }, SETTING_WARNINGS.insecureCluster],
];

describe('warnings of unsafe settings', () => {
  it.each(UNSAFE)('%s: artemis status and the console warn in the same words', (_name, settings, warning) => {
    const props = properties(settings);
    expect(cliWarnings(props)).toEqual([warning]);
    expect(consoleWarnings(configValues(props))).toEqual([warningSentence(warning)]);
  });

  it('the console warns of a missing cluster key with the text a peer is refused with', () => {
    const props = properties({ 'security.managementAuth': true, 'cluster.insecure': false, 'cluster.key': '', 'cluster.keyFile': '' });
    const [warning] = consoleWarnings(configValues(props));
    expect(PeerAuthFailures.noKey).toBe(NO_CLUSTER_KEY);
    expect(warning?.startsWith(NO_CLUSTER_KEY)).toBe(true);
    expect(cliWarnings(props)).toEqual([]);
  });

  it('a sentence gets one full stop', () => {
    expect(warningSentence('a b')).toBe('a b.');
    expect(warningSentence('a b.')).toBe('a b.');
  });
});
