/**
 * The warnings of unsafe settings, each declared once. The node logs them when it starts,
 * `artemis status` prints them (from status/config.json) and the console's dashboard shows them
 * as sentences ({@link warningSentence}). Imports nothing: the console's bundle takes it as it is.
 */

/** Without a cluster key every peer call is refused: the answer to the peer, and the start of the console's warning. */
export const NO_CLUSTER_KEY = 'This node has no cluster key, so it accepts no peer calls.';

export const SETTING_WARNINGS = {
  /** security.managementAuth is false. */
  managementAuthOff: 'security.managementAuth is false: anyone who reaches this node can pull out instances and rewrite routing',
  /** cluster.insecure with no cluster key (with a key, peer calls are signed and checked whatever cluster.insecure says). */
  insecureCluster: 'cluster.insecure is true and there is no cluster key: peer calls are neither signed nor checked, so anyone who reaches this node can write to its registry and membership',
  /** No cluster key, and not cluster.insecure (the console only: a node that stands alone is a normal set-up). */
  noClusterKey: `${NO_CLUSTER_KEY} It cannot join a cluster`,
} as const;

/** A warning as the console writes it: a sentence with its full stop. */
export function warningSentence(warning: string): string {
  return warning.endsWith('.') ? warning : `${warning}.`;
}
