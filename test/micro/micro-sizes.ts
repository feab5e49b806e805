/** How big the structures of the micro-benchmarks are, and what one case is. */

/** How big the benchmarked structures are. */
export interface MicroSizes {
  /** Instances of the service whose snapshot is built. */
  snapshotInstances: number;
  /** Services of the cache whose services.json is rebuilt, and instances of each. */
  cacheServices: number;
  cacheInstancesPerService: number;
  /** Services and instances per service behind the delta benchmarks. */
  deltaServices: number;
  deltaInstancesPerService: number;
  /** Version steps retained (discovery.deltaHistoryCount defaults to 64). */
  deltaSteps: number;
  /** Instances re-registered in each step. */
  deltaChangesPerStep: number;
  /** Leases of the table the sweep walks. */
  leases: number;
  /** Instances registered before the heartbeat batches, and instances per batch. */
  heartbeatFleet: number;
  heartbeatBatch: number;
  /** Services with route rules in the routing snapshot, and instances of the published service. */
  routingServices: number;
  routingInstances: number;
}

/** The sizes `npm run bench:micro` measures. */
export const FULL_SIZES: MicroSizes = {
  snapshotInstances: 100,
  cacheServices: 1_000,
  cacheInstancesPerService: 10,
  deltaServices: 200,
  deltaInstancesPerService: 10,
  deltaSteps: 64,
  deltaChangesPerStep: 10,
  leases: 1_000_000,
  heartbeatFleet: 10_000,
  heartbeatBatch: 100,
  routingServices: 2_500,
  routingInstances: 1_000,
};

/** Sizes small enough to run every case once in well under a second (tests). */
export const SMALL_SIZES: MicroSizes = {
  snapshotInstances: 10,
  cacheServices: 20,
  cacheInstancesPerService: 3,
  deltaServices: 10,
  deltaInstancesPerService: 3,
  deltaSteps: 4,
  deltaChangesPerStep: 2,
  leases: 1_000,
  heartbeatFleet: 200,
  heartbeatBatch: 10,
  routingServices: 5,
  routingInstances: 10,
};

/** Environment variable that switches the bench files to {@link SMALL_SIZES} and one iteration. */
export const SMALL_ENV = 'ARTEMIS_MICRO_SMALL';

export function isSmallRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SMALL_ENV] === '1';
}

export function microSizes(env: NodeJS.ProcessEnv = process.env): MicroSizes {
  return isSmallRun(env) ? SMALL_SIZES : FULL_SIZES;
}

/** One benchmark: `prepare()` builds the state and returns the measured body. */
export interface MicroCase {
  name: string;
  prepare(): () => unknown;
}
