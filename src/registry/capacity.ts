import type { Clock } from '../core/clock.js';
import { ClientRateLimiter } from '../ratelimit/rate-limiter.js';
import type { RegistryRepository } from './registry-repository.js';

/** The `limits.*` settings that bound what clients can make the registry hold. 0 turns one off. */
export interface CapacitySettings {
  maxInstances: number;
  maxInstancesPerService: number;
  maxInstancesPerClient: number;
  maxRegistrationsPerClientPerSecond: number;
  maxTrackedClients: number;
}

/** The config key of each capacity limit: the label of its refusals in the metrics. */
export type CapacityLimit =
  | 'limits.maxInstances'
  | 'limits.maxInstancesPerService'
  | 'limits.maxInstancesPerClient'
  | 'limits.maxRegistrationsPerClientPerSecond';

/** Failure texts of the capacity limits (reason of a failed instance, errorCode rate-limited). */
export const CapacityFailures = {
  instances: 'The registry holds as many instances as it may (limits.maxInstances): ',
  perService: 'The service holds as many instances as it may (limits.maxInstancesPerService): ',
  perClient: 'This client address holds as many instances as it may (limits.maxInstancesPerClient): ',
  registrationRate: 'This client address registers instances faster than it may (limits.maxRegistrationsPerClientPerSecond): ',
} as const;

/** A refused registration: the limit it broke and the failure text to answer. */
export interface CapacityRefusal {
  limit: CapacityLimit;
  reason: string;
}

/**
 * Admits client registrations while the registry stays within its bounds: instances in all,
 * per service, per registering client address, and registrations per second per client
 * address. Registering an identity that is already held (a re-registration) never grows the
 * registry, so only the rate limit applies to it. Replicated writes are not checked here: a
 * peer applied them within its own bounds, and refusing them would split the cluster's views.
 */
export class RegistryCapacity {
  private readonly rate: ClientRateLimiter | null;

  constructor(
    private readonly settings: CapacitySettings,
    private readonly repository: RegistryRepository,
    clock: Clock,
  ) {
    const perSecond = settings.maxRegistrationsPerClientPerSecond;
    this.rate = perSecond > 0 ? new ClientRateLimiter({ enabled: true, limit: perSecond, maxTrackedClients: settings.maxTrackedClients }, 1_000, clock) : null;
  }

  /** Why registering `key` of `serviceId` from `client` is refused; null when admitted (the registration is counted). */
  admit(key: string, serviceId: string, client: string | null): CapacityRefusal | null {
    const s = this.settings;
    const held = this.repository.lease(key);
    if (held === undefined) {
      if (s.maxInstances > 0 && this.repository.instanceCount >= s.maxInstances) {
        return { limit: 'limits.maxInstances', reason: `${CapacityFailures.instances}${s.maxInstances}` };
      }
      if (s.maxInstancesPerService > 0 && (this.repository.service(serviceId)?.leases.size ?? 0) >= s.maxInstancesPerService) {
        return { limit: 'limits.maxInstancesPerService', reason: `${CapacityFailures.perService}${s.maxInstancesPerService}` };
      }
    }
    if (client === null) return null;
    if (s.maxInstancesPerClient > 0 && held?.owner !== client && this.repository.ownedBy(client) >= s.maxInstancesPerClient) {
      return { limit: 'limits.maxInstancesPerClient', reason: `${CapacityFailures.perClient}${s.maxInstancesPerClient}` };
    }
    if (this.rate !== null && !this.rate.tryAcquire(client)) {
      return { limit: 'limits.maxRegistrationsPerClientPerSecond', reason: `${CapacityFailures.registrationRate}${s.maxRegistrationsPerClientPerSecond}` };
    }
    return null;
  }
}
