import type { RateLimiter } from './rate-limiter.js';

/**
 * Request header by which operator tools (the `artemis` CLI, a console) mark their calls. Java
 * clients and peers never send it. It selects a limit, it grants no permission: a caller that
 * sends it without being an operator only moves to the operator budget, which is bounded too.
 */
export const CALLER_HEADER = 'x-artemis-caller';

/** The value of {@link CALLER_HEADER} for operator traffic. */
export const OPERATOR_CALLER = 'operator';

/** True when a request's {@link CALLER_HEADER} value marks operator traffic (case-insensitive; repeated values allowed). */
export function isOperatorCall(headerValue: string | null | undefined): boolean {
  if (headerValue === null || headerValue === undefined) return false;
  return headerValue.split(',').some((v) => v.trim().toLowerCase() === OPERATOR_CALLER);
}

/**
 * The limiters of the status reads (`/api/status/*.json`): the Java-sized `rateLimit.status`
 * for machines, and `rateLimit.operator` for calls marked as operator traffic, so a person
 * running `artemis status` a few times in a row is not refused while a polling machine still is.
 * The two budgets are counted apart: operator calls never use up the machines' budget.
 */
export class StatusLimiters {
  constructor(
    readonly machine: RateLimiter,
    readonly operator: RateLimiter,
  ) {}

  /** The limiter for a request with this {@link CALLER_HEADER} value. */
  select(callerHeader: string | null | undefined): RateLimiter {
    return isOperatorCall(callerHeader) ? this.operator : this.machine;
  }

  /** Counts one status read of `identity` (e.g. `get-leases`); false when it is over its limit. */
  tryAcquire(identity: string, callerHeader: string | null | undefined): boolean {
    return this.select(callerHeader).tryAcquire(identity);
  }
}
