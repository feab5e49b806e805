import { execFileSync } from 'node:child_process';

/**
 * Network namespaces for fault tests: one per node, each joined to the test's own namespace by a
 * link of its own (clients and the shared store stay reachable) and to every other node by a
 * direct link, so that any pair of nodes can be cut apart and joined again with `ip link`.
 * Addresses are private ones inside namespaces this test made; nothing leaves the machine.
 */

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Why this process cannot make network namespaces and run a Redis server (not root, no
 * iproute2, no redis-server), or null when it can.
 */
export function netnsProblem(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to make network namespaces';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 (`ip netns`)';
  }
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'needs redis-server';
  }
  return null;
}

export interface NetnsCluster {
  /** Namespace name of node i. */
  ns(i: number): string;
  /** Address of node i (reachable from the test and, while linked, from the other nodes). */
  address(i: number): string;
  /** Address of the test's side of node i's link (the shared store listens there). */
  hostAddress(i: number): string;
  /** Cuts (false) or restores (true) the direct link between nodes i and j. */
  link(i: number, j: number, up: boolean): void;
  /** Removes every namespace and link. */
  destroy(): void;
}

/**
 * Builds `n` namespaces named `<tag>n<i>` on `10.<net>.0.0/16`, `net` (64-191) chosen by the
 * tag, so that runs of different processes (different tags) do not share addresses.
 */
export function createNetnsCluster(tag: string, n: number): NetnsCluster {
  let h = 0;
  for (const ch of tag) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const net = 64 + (h % 128);
  const ns = (i: number) => `${tag}n${i}`;
  const address = (i: number) => `10.${net}.${10 + i}.2`;
  const hostAddress = (i: number) => `10.${net}.${10 + i}.1`;
  const pairNet = (i: number, j: number) => `10.${net}.${100 + i * 10 + j}`;
  const pairDev = (i: number, j: number) => `${tag}p${i}${j}`;
  const made: string[] = [];
  const destroy = () => {
    for (const name of made.splice(0)) {
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < n; i++) {
      try {
        ip('link', 'del', `${tag}h${i}`);
      } catch {
        // removed with its namespace
      }
    }
  };
  try {
    for (let i = 0; i < n; i++) {
      ip('netns', 'add', ns(i));
      made.push(ns(i));
      ip('-n', ns(i), 'link', 'set', 'lo', 'up');
      // The node's link to the test's namespace: its own address lives here.
      ip('link', 'add', `${tag}h${i}`, 'type', 'veth', 'peer', 'name', `${tag}x${i}`);
      ip('link', 'set', `${tag}x${i}`, 'netns', ns(i));
      ip('addr', 'add', `${hostAddress(i)}/24`, 'dev', `${tag}h${i}`);
      ip('link', 'set', `${tag}h${i}`, 'up');
      ip('-n', ns(i), 'addr', 'add', `${address(i)}/24`, 'dev', `${tag}x${i}`);
      ip('-n', ns(i), 'link', 'set', `${tag}x${i}`, 'up');
    }
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        ip('link', 'add', pairDev(i, j), 'netns', ns(i), 'type', 'veth', 'peer', 'name', pairDev(j, i), 'netns', ns(j));
        ip('-n', ns(i), 'addr', 'add', `${pairNet(i, j)}.1/24`, 'dev', pairDev(i, j));
        ip('-n', ns(j), 'addr', 'add', `${pairNet(i, j)}.2/24`, 'dev', pairDev(j, i));
        ip('-n', ns(i), 'link', 'set', pairDev(i, j), 'up');
        ip('-n', ns(j), 'link', 'set', pairDev(j, i), 'up');
        // Each reaches the other's own address over this link only; with the link down the
        // route is unreachable (no way round through the test's namespace).
        for (const [a, b, via] of [[i, j, `${pairNet(i, j)}.2`], [j, i, `${pairNet(i, j)}.1`]] as const) {
          ip('-n', ns(a), 'route', 'add', `${address(b)}/32`, 'via', via, 'metric', '10');
          ip('-n', ns(a), 'route', 'add', 'unreachable', `${address(b)}/32`, 'metric', '100');
        }
      }
    }
  } catch (err) {
    destroy();
    throw err;
  }
  const link = (i: number, j: number, up: boolean) => {
    const [a, b] = i < j ? [i, j] : [j, i];
    ip('-n', ns(a), 'link', 'set', pairDev(a, b), up ? 'up' : 'down');
    ip('-n', ns(b), 'link', 'set', pairDev(b, a), up ? 'up' : 'down');
    if (up) {
      // Routes over a link are dropped when it goes down: put them back.
      for (const [x, y, via] of [[a, b, `${pairNet(a, b)}.2`], [b, a, `${pairNet(a, b)}.1`]] as const) {
        try {
          ip('-n', ns(x), 'route', 'add', `${address(y)}/32`, 'via', via, 'metric', '10');
        } catch {
          // still there
        }
      }
    }
  };
  return { ns, address, hostAddress, link, destroy };
}
