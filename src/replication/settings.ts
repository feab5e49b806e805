/** The `replication.*` settings one peer's sender reads. */
export interface SenderSettings {
  /** Tasks queued per peer; on overflow the oldest is dropped. */
  maxQueue: number;
  /** Most instances in one replication request. */
  maxBatch: number;
  /** Longest a queued task waits for its batch to fill. */
  batchDelayMs: number;
  /** Timeout of one replication request. */
  timeoutMs: number;
}

/** The `replication.*` settings of a node's replication. */
export interface ReplicationSettings extends SenderSettings {
  /** A task not acknowledged this long after the client write is dropped. */
  taskTtlMs: number;
  /** Start-up copy: wait this long for a peer, then start empty. */
  startupSyncTimeoutMs: number;
  /** Period of anti-entropy rounds; 0 = off. */
  antiEntropyIntervalMs: number;
  /** How long an unregistered instance is remembered as a tombstone. */
  tombstoneTtlMs: number;
}
