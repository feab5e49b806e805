import { afterAll, describe, expect, it } from 'vitest';
import { configValues, securityWarnings } from '../../console/src/warnings.js';
import { SETTING_WARNINGS, warningSentence } from '../../src/config/setting-warnings.js';
import { TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { getJson, startTestNode, type ConfigFlags, type RunningNode } from '../helpers/node.js';

/** The dashboard's security warnings, read from what real nodes serve at status/config.json. */

const started: RunningNode[] = [];
afterAll(async () => {
  await Promise.all(started.map((n) => n.stop()));
});

async function warningsOf(flags: ConfigFlags): Promise<string[]> {
  const n = await startTestNode(flags);
  started.push(n);
  const config = (await getJson(`${n.url}/api/status/config.json`)).body as { properties?: Record<string, string> };
  return securityWarnings(configValues(config.properties));
}

const clusterWarning = (warnings: string[]) => warnings.filter((w) => /cluster key/i.test(w));
const authWarning = (warnings: string[]) => warnings.filter((w) => w.startsWith('security.managementAuth'));

describe('dashboard security warnings', () => {
  it('without a cluster key: the node accepts no peer calls', async () => {
    expect(clusterWarning(await warningsOf({}))).toEqual([warningSentence(SETTING_WARNINGS.noClusterKey)]);
  });

  it('with cluster.insecure and no key: peer calls are unchecked', async () => {
    expect(clusterWarning(await warningsOf({ 'cluster.insecure': true }))).toEqual([warningSentence(SETTING_WARNINGS.insecureCluster)]);
  });

  it('with a cluster key: no cluster-key warning', async () => {
    expect(clusterWarning(await warningsOf({ 'cluster.key': TEST_CLUSTER_KEY }))).toEqual([]);
  });

  it('management auth off is warned of, on (the default) is not', async () => {
    expect(authWarning(await warningsOf({ 'security.managementAuth': false }))).toEqual([warningSentence(SETTING_WARNINGS.managementAuthOff)]);
    expect(authWarning(await warningsOf({}))).toEqual([]);
  });
});
