import type { Fleet } from './fleet.js';
import type { HttpClient } from './http-load.js';
import type { Recorders } from './stats.js';

/** Options of one bench run, after parsing. */
export interface BenchOptions {
  scenario: string;
  target: string;
  durationS: number;
  connections: number;
  /** Operations per second the scenario aims at; 0 for as fast as possible. */
  rate: number;
  /** Instances of the fleet; undefined for the scenario's default. */
  instances: number | undefined;
  subscribers: number;
  /** Instances per register / heartbeat request or frame; undefined for the scenario's default. */
  batch: number | undefined;
  /** mixed: instances registered a second, each unregistered again a few seconds later; 0 for none. */
  churn: number;
  metadataBytes: number;
  threads: number;
  timeoutMs: number;
}

/** What a scenario gets to run with. */
export interface RunContext {
  opts: BenchOptions;
  client: HttpClient;
  recorders: Recorders;
  /** A fleet of `count` instances unique to this run; `tag` tells fleets of one run apart. */
  fleet(count: number, tag?: string, services?: number): Fleet;
  /** Runs the measured part: server metrics are read before and after, and timelines and progress kept while it runs. */
  measure(body: () => Promise<void>): Promise<void>;
  /** Extra numbers the scenario reports (fleet size, memory per instance...). */
  info: Record<string, number | string>;
}

/** A scenario: sets up, calls `ctx.measure` once, and cleans up what it created. */
export type Scenario = (ctx: RunContext) => Promise<void>;

/** `performance.now()` when a measured part that starts now must end. */
export function deadlineOf(ctx: RunContext): number {
  return performance.now() + ctx.opts.durationS * 1_000;
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves at `deadline` (a `performance.now()` value). */
export const until = (deadline: number): Promise<void> => sleep(Math.max(0, deadline - performance.now()));
