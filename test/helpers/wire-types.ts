/** The parts of Artemis JSON that tests read back, loosely typed. */

export interface WireInstance {
  instanceId: string;
  url: string;
}

export interface WireChange {
  changeTime: number;
  changeType: string;
  instance: WireInstance;
}

export interface WireService {
  serviceId: string;
  instances: WireInstance[] | null;
  routeRules?: unknown;
}

export interface DeltaBody {
  delta: Record<string, WireChange[]>;
  version: number;
}
