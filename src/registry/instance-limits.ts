import { codeGenerationAllowed } from '../core/code-generation.js';
import { INSTANCE_FIELDS, type Instance } from '../core/wire/instance.js';

export interface InstanceLimits {
  maxInstancesPerRequest: number;
  maxFieldLength: number;
  maxMetadataEntries: number;
  maxMetadataBytes: number;
}

type FieldLengthCheck = (instance: Instance, max: number) => string | null;
const STRING_FIELDS = INSTANCE_FIELDS.filter((f) => f.kind === 'string').map((f) => f.name);

/**
 * The check compiled into one straight-line test per string field of the instance table (a loop
 * over the names would read each field through a keyed, megamorphic load).
 */
const compiledFieldLengthCheck = (): FieldLengthCheck => {
  const tests = STRING_FIELDS.map((n) => `(i.${n} !== null && i.${n}.length > max) ? ${JSON.stringify(n)} : `).join('');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code generated from the constant field table
  return new Function('i', 'max', `return ${tests}null;`) as FieldLengthCheck;
};

/** The same check as a loop over the names, for a process that refuses code generation. */
const plainFieldLengthCheck = (): FieldLengthCheck => (instance, max) => {
  const fields = instance as unknown as Record<string, string | null>;
  for (const n of STRING_FIELDS) {
    const v = fields[n] as string | null;
    if (v !== null && v.length > max) return n;
  }
  return null;
};

/**
 * The check that finds the first string field of an instance longer than `max` (or null):
 * compiled when the process allows code generation ({@link codeGenerationAllowed}), else a plain
 * loop; `compile` picks one explicitly.
 */
export function fieldLengthCheck(compile: boolean = codeGenerationAllowed): FieldLengthCheck {
  return compile ? compiledFieldLengthCheck() : plainFieldLengthCheck();
}

const firstTooLong = fieldLengthCheck();

/** A broken limit: its config key and the message for the caller. */
export interface LimitProblem {
  limit: 'limits.maxFieldLength' | 'limits.maxMetadataEntries' | 'limits.maxMetadataBytes';
  message: string;
}

/** The first configured limit the instance breaks; null when within limits. */
export function checkInstanceLimits(instance: Instance, limits: InstanceLimits): LimitProblem | null {
  const field = firstTooLong(instance, limits.maxFieldLength);
  if (field !== null) {
    const length = (instance[field as keyof Instance] as string).length;
    return { limit: 'limits.maxFieldLength', message: `instance.${field} is ${length} characters long; the limit is ${limits.maxFieldLength} (limits.maxFieldLength)` };
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
