import { afterAll } from 'vitest';
import { startTestNode, type ConfigFlags, type RunningNode } from './node.js';
import { deleteKeysWithPrefix, redisUrlForTests, uniqueKeyPrefix } from './redis.js';

/**
 * Nodes of one suite on the test Redis (see redisUrlForTests), under a key prefix of their own:
 * `start` starts one there (with more flags if given); after the suite's tests every node it
 * started and not stopped yet is stopped and the prefix's keys are deleted. `url` is undefined where there is no
 * Redis: skip the tests then.
 */
export async function redisNodes(label: string) {
  const url = await redisUrlForTests();
  const prefix = uniqueKeyPrefix(label);
  const nodes: RunningNode[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    if (url !== undefined) await deleteKeysWithPrefix(url, prefix);
  });
  const start = async (flags: ConfigFlags = {}): Promise<RunningNode> => {
    const started = await startTestNode({ 'store.url': url, 'store.keyPrefix': prefix, ...flags });
    let stopping: Promise<void> | undefined;
    const node: RunningNode = { ...started, stop: () => (stopping ??= started.stop()) };
    nodes.push(node);
    return node;
  };
  return { url, prefix, start };
}
