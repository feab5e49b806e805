import { backoffDelay, type BackoffOptions, type Timers } from './timers.js';

/** What the pool knows about one node. */
export interface NodeInfo {
  /** Base URL, without a trailing slash. */
  readonly url: string;
  /** Given by the application rather than learned from a node list. */
  readonly seed: boolean;
  /** Consecutive failures since the last success. */
  readonly failures: number;
  /** Epoch ms before which the node is not chosen (0 = available). */
  readonly retryAt: number;
}

/** Payload of a `node-changed` event. */
export interface NodeChange {
  /** The node used before (undefined for the first choice). */
  from: string | undefined;
  /** The node used from now on. */
  to: string;
}

/** What a {@link NodePool} needs: time, randomness, backoff bounds, and who to tell about a change of node. */
export interface NodePoolDeps {
  timers: Timers;
  random: () => number;
  backoff: Required<BackoffOptions>;
  onChange?: (change: NodeChange) => void;
}

interface MutableNode {
  url: string;
  seed: boolean;
  failures: number;
  retryAt: number;
}

/**
 * The nodes a client may talk to, and the one it uses now. The current node is kept while it
 * works; a failing node is set aside for a jittered, exponentially growing time and another is
 * drawn at random (nodes learned from the cluster first, seeds after). When every node is set
 * aside, the one that comes back first is used anyway: a client always has somewhere to go.
 */
export class NodePool {
  private readonly nodes = new Map<string, MutableNode>();
  private currentUrl: string | undefined;

  constructor(seeds: readonly string[], private readonly deps: NodePoolDeps) {
    if (seeds.length === 0) throw new RangeError('a node pool needs at least one seed URL');
    for (const url of seeds) this.nodes.set(url, { url, seed: true, failures: 0, retryAt: 0 });
  }

  /**
   * The node to use now. The current node is kept while it is among the best usable ones; the
   * order is: nodes without recent failures before nodes on probation, learned nodes before seeds.
   */
  current(): string {
    const now = this.deps.timers.now();
    const best = this.bestUsable(now);
    const cur = this.currentUrl === undefined ? undefined : this.nodes.get(this.currentUrl);
    if (cur !== undefined && best.includes(cur)) return cur.url;
    return this.choose(best);
  }

  /** The node used last, without choosing. */
  get active(): string | undefined {
    return this.currentUrl;
  }

  /** Sets a node aside after a failure (error, timeout, "service down" answer). */
  markUnavailable(url: string): void {
    const node = this.nodes.get(url);
    if (node === undefined) return;
    node.failures++;
    node.retryAt = this.deps.timers.now() + backoffDelay(node.failures - 1, this.deps.backoff, this.deps.random);
  }

  /** Records a success: the node is available again and its backoff restarts. */
  markAvailable(url: string): void {
    const node = this.nodes.get(url);
    if (node === undefined) return;
    node.failures = 0;
    node.retryAt = 0;
  }

  /** Replaces the learned nodes (seeds stay as a fallback). An empty list changes nothing. */
  replace(urls: readonly string[]): void {
    if (urls.length === 0) return;
    const wanted = new Set(urls);
    for (const [url, node] of this.nodes) if (!node.seed && !wanted.has(url)) this.nodes.delete(url);
    for (const url of wanted) {
      const known = this.nodes.get(url);
      if (known === undefined) this.nodes.set(url, { url, seed: false, failures: 0, retryAt: 0 });
      else known.seed = false;
    }
  }

  /** A snapshot of every node. */
  list(): NodeInfo[] {
    return [...this.nodes.values()].map((n) => ({ ...n }));
  }

  private bestUsable(now: number): MutableNode[] {
    let rank = Infinity;
    let best: MutableNode[] = [];
    for (const n of this.nodes.values()) {
      if (n.retryAt > now) continue;
      const r = (n.failures > 0 ? 2 : 0) + (n.seed ? 1 : 0);
      if (r < rank) {
        rank = r;
        best = [n];
      } else if (r === rank) best.push(n);
    }
    return best;
  }

  private choose(candidates: MutableNode[]): string {
    let next: MutableNode;
    if (candidates.length > 0) {
      next = candidates[Math.min(candidates.length - 1, Math.floor(this.deps.random() * candidates.length))]!;
    } else {
      next = [...this.nodes.values()].reduce((a, b) => (b.retryAt < a.retryAt ? b : a));
    }
    if (next.url !== this.currentUrl) {
      const from = this.currentUrl;
      this.currentUrl = next.url;
      this.deps.onChange?.({ from, to: next.url });
    }
    return next.url;
  }
}
