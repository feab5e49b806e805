import type { DiscoveryConfig, Service } from '../core/wire/service.js';

/**
 * A discovery filter (spec 6): mutates the service in place, e.g. replaces `instances`, sets
 * `logicInstances` or `routeRules`. It must replace lists and instances rather than mutate the
 * Instance objects it receives (they are the registry's, and their JSON is memoised).
 */
export interface DiscoveryFilter {
  readonly name: string;
  /**
   * Whether the outcome depends on the caller's DiscoveryConfig (serviceId, region, zone,
   * discoveryData) beyond the service itself. Defaults to true. While no installed filter
   * depends on it, lookup.json and service.json are served from the cached snapshot bytes.
   */
  readonly dependsOnConfig?: boolean;
  filter(service: Service, config: DiscoveryConfig): void;
  /**
   * True when unregistering instances of the service changes what this filter makes of it only by
   * those instances leaving the list (no other field, nor the fate of another instance, depends on
   * them): the snapshot is then the one before without them, and no build runs. Absent: false.
   */
  keepOnRemoval?(serviceId: string): boolean;
}

export type FilterErrorSink = (filter: DiscoveryFilter, err: unknown) => void;

/** The ordered filter pipeline. A filter that throws is reported and skipped. */
export class FilterChain {
  private filters: readonly DiscoveryFilter[] = [];
  private configDependent = false;

  constructor(private readonly onError: FilterErrorSink) {}

  add(filter: DiscoveryFilter): void {
    this.set([...this.filters, filter]);
  }

  remove(filter: DiscoveryFilter): boolean {
    const rest = this.filters.filter((f) => f !== filter);
    if (rest.length === this.filters.length) return false;
    this.set(rest);
    return true;
  }

  list(): readonly DiscoveryFilter[] {
    return this.filters;
  }

  get size(): number {
    return this.filters.length;
  }

  /** True when some installed filter reads the caller's DiscoveryConfig. */
  get dependsOnConfig(): boolean {
    return this.configDependent;
  }

  /** True when every installed filter keeps a service as it was but for the instances unregistered from it. */
  keepOnRemoval(serviceId: string): boolean {
    for (const f of this.filters) if (f.keepOnRemoval?.(serviceId) !== true) return false;
    return true;
  }

  apply(service: Service, config: DiscoveryConfig): void {
    for (const f of this.filters) {
      try {
        f.filter(service, config);
      } catch (err) {
        this.onError(f, err);
      }
    }
  }

  private set(filters: readonly DiscoveryFilter[]): void {
    this.filters = filters;
    this.configDependent = filters.some((f) => f.dependsOnConfig !== false);
  }
}
