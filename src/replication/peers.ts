/** Where the ReplicationManager learns which peers to forward writes to (the cluster's membership). */
export interface PeerSource {
  /** Base URLs of the live peers (never this node), without a trailing slash. */
  peers(): string[];
  /** Calls `listener` whenever the peer list may have changed. */
  onChange(listener: () => void): void;
}
