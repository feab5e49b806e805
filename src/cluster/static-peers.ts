/** A base URL without trailing slashes, so peers compare equal however they were written. */
export function normalizePeerUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * The static `cluster.peers` list minus this node's own URL (known only once the node listens).
 * `set` replaces the list at run time, e.g. for nodes started on ephemeral ports.
 */
export class StaticPeers {
  private urls: string[];
  private readonly listeners: Array<() => void> = [];

  constructor(
    urls: readonly string[],
    private readonly selfUrl: () => string,
  ) {
    this.urls = StaticPeers.clean(urls);
  }

  private static clean(urls: readonly string[]): string[] {
    return [...new Set(urls.map(normalizePeerUrl).filter((u) => u !== ''))];
  }

  peers(): string[] {
    const self = normalizePeerUrl(this.selfUrl());
    return this.urls.filter((u) => u !== self);
  }

  /** Replaces the configured peers and notifies listeners. */
  set(urls: readonly string[]): void {
    this.urls = StaticPeers.clean(urls);
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}
