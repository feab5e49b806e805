import type { Instance } from '../core/wire/instance.js';

export interface InstanceLimits {
  maxInstancesPerRequest: number;
  maxFieldLength: number;
  maxMetadataEntries: number;
  maxMetadataBytes: number;
}

const STRING_FIELDS = [
  'groupId',
  'healthCheckUrl',
  'instanceId',
  'ip',
  'machineName',
  'protocol',
  'regionId',
  'serviceId',
  'status',
  'url',
  'zoneId',
] as const;

/** A broken limit: its config key and the message for the caller. */
export interface LimitProblem {
  limit: 'limits.maxFieldLength' | 'limits.maxMetadataEntries' | 'limits.maxMetadataBytes';
  message: string;
}

/** The first configured limit the instance breaks; null when within limits. */
export function checkInstanceLimits(instance: Instance, limits: InstanceLimits): LimitProblem | null {
  for (const field of STRING_FIELDS) {
    const v = instance[field];
    if (v !== null && v.length > limits.maxFieldLength) {
      return { limit: 'limits.maxFieldLength', message: `instance.${field} is ${v.length} characters long; the limit is ${limits.maxFieldLength} (limits.maxFieldLength)` };
    }
  }
  const metadata = instance.metadata;
  if (metadata === null) return null;
  let entries = 0;
  let bytes = 0;
  for (const key in metadata) {
    entries++;
    bytes += key.length + (metadata[key]?.length ?? 0);
  }
  if (entries > limits.maxMetadataEntries) {
    return { limit: 'limits.maxMetadataEntries', message: `instance.metadata has ${entries} entries; the limit is ${limits.maxMetadataEntries} (limits.maxMetadataEntries)` };
  }
  if (bytes > limits.maxMetadataBytes) {
    return { limit: 'limits.maxMetadataBytes', message: `instance.metadata holds ${bytes} characters; the limit is ${limits.maxMetadataBytes} (limits.maxMetadataBytes)` };
  }
  return null;
}
